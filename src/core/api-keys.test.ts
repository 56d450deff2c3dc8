import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memoryStore } from "../stores/memory/index.js";
import { ApiKeys } from "./api-keys.js";
import { ManualClock } from "./clock.js";
import { isSessiondError } from "./errors.js";
import { systemRandom } from "./session-token.js";

const CONFIGURED = "a-configured-root-key-of-enough-length";
const keysWith = (configured: string | null) => new ApiKeys(memoryStore().apiKeys, new ManualClock(Date.now()), systemRandom, configured);
const lastRootRefused = (error: unknown) => isSessiondError(error) && error.code === "request_invalid";

describe("root keys", () => {
  it("refuse to revoke the last stored root key when no root key is configured", async () => {
    const keys = keysWith(null);
    const generated = (await keys.ensureRootKey())!;
    const id = generated.split(".")[0]!;
    await assert.rejects(keys.revoke(id), lastRootRefused);
    const second = await keys.create(null, "second");
    assert.notEqual((await keys.revoke(id)).revokedAt, null);
    await assert.rejects(keys.revoke(second.id), lastRootRefused);
  });

  it("count a configured root key, so every stored root key can be revoked beside it", async () => {
    const keys = keysWith(CONFIGURED);
    const stored = await keys.create(null, "generated before the configured key");
    assert.deepEqual(
      (await keys.storedRootKeys()).map((k) => k.id),
      [stored.id],
    );
    assert.notEqual((await keys.revoke(stored.id)).revokedAt, null);
    assert.deepEqual(await keys.storedRootKeys(), []);
    assert.equal(await keys.authenticate(stored.key), null, "the revoked key stops working");
    assert.deepEqual(await keys.authenticate(CONFIGURED), { keyId: "root", tenantId: null }, "the configured one goes on");
    assert.equal(keys.hasConfiguredRootKey, true);
  });

  it("list only stored keys: a configured root key is never listed, and nothing is generated beside it", async () => {
    const keys = keysWith(CONFIGURED);
    assert.equal(await keys.ensureRootKey(), null);
    const tenant = await keys.create("acme");
    assert.deepEqual(
      (await keys.list()).map((k) => k.id),
      [tenant.id],
    );
    assert.deepEqual(await keys.storedRootKeys(), []);
  });
});
