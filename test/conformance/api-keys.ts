/** The API-key role. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "../../src/core/errors.js";
import { hashSecret } from "../../src/core/session-token.js";
import { T0 } from "./fixtures.js";
import { type StoreHarness, withStore } from "./store.js";

export function apiKeyTests(h: StoreHarness): void {
  describe("api keys", () => {
    it(
      "stores API keys hashed, lists them per tenant and revokes idempotently",
      withStore(h, async ({ apiKeys }) => {
        const key = { id: "key_1", tenantId: "acme", name: "ci", secretHash: hashSecret("k1"), createdAt: T0, revokedAt: null };
        await apiKeys.insert(key);
        await apiKeys.insert({ ...key, id: "key_2", tenantId: "globex", name: null });
        await apiKeys.insert({ ...key, id: "key_0", tenantId: null, name: "root" });
        assert.deepEqual(await apiKeys.get("key_1"), key);
        assert.equal((await apiKeys.get("key_0"))!.tenantId, null);
        assert.equal(await apiKeys.get("key_9"), null);
        assert.deepEqual(
          (await apiKeys.list("acme")).map((k) => k.id),
          ["key_1"],
        );
        assert.deepEqual(
          (await apiKeys.list(undefined)).map((k) => k.id),
          ["key_0", "key_1", "key_2"],
        );
        await assert.rejects(apiKeys.insert(key), (e) => isSessiondError(e, "conflict"));
        assert.equal((await apiKeys.revoke("key_1", T0 + 5))!.revokedAt, T0 + 5);
        assert.equal((await apiKeys.revoke("key_1", T0 + 9))!.revokedAt, T0 + 5);
        assert.equal(await apiKeys.revoke("key_9", T0), null);
      }),
    );
  });
}
