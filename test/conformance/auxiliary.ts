/** What else persists through the contract: tenant policies, API keys, signing keys, JWT templates. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "../../src/core/errors.js";
import { hashSecret } from "../../src/core/session-token.js";
import { T0 } from "./fixtures.js";
import { type StoreHarness, withStore } from "./store.js";

export function auxiliaryTests(h: StoreHarness): void {
  describe("policies, keys and templates", () => {
    it("stores tenant policies per tenant, null meaning off", withStore(h, async (store) => {
      assert.equal(await store.getPolicy("acme"), null);
      await store.putPolicy("acme", { lifetimeMs: 1000, inactivityTimeoutMs: null, bindUserAgent: true });
      await store.putPolicy("acme", { lifetimeMs: 2000, inactivityTimeoutMs: null });
      assert.deepEqual(await store.getPolicy("acme"), { lifetimeMs: 2000, inactivityTimeoutMs: null });
      assert.equal(await store.getPolicy("globex"), null);
    }));

    it("stores API keys hashed, lists them per tenant and revokes idempotently", withStore(h, async (store) => {
      const key = { id: "key_1", tenantId: "acme", name: "ci", secretHash: hashSecret("k1"), createdAt: T0, revokedAt: null };
      await store.insertApiKey(key);
      await store.insertApiKey({ ...key, id: "key_2", tenantId: "globex", name: null });
      await store.insertApiKey({ ...key, id: "key_0", tenantId: null, name: "root" });
      assert.deepEqual(await store.getApiKey("key_1"), key);
      assert.equal((await store.getApiKey("key_0"))!.tenantId, null);
      assert.equal(await store.getApiKey("key_9"), null);
      assert.deepEqual((await store.listApiKeys("acme")).map((k) => k.id), ["key_1"]);
      assert.deepEqual((await store.listApiKeys(undefined)).map((k) => k.id), ["key_0", "key_1", "key_2"]);
      await assert.rejects(store.insertApiKey(key), (e) => isSessiondError(e, "conflict"));
      assert.equal((await store.revokeApiKey("key_1", T0 + 5))!.revokedAt, T0 + 5);
      assert.equal((await store.revokeApiKey("key_1", T0 + 9))!.revokedAt, T0 + 5);
      assert.equal(await store.revokeApiKey("key_9", T0), null);
    }));

    it("stores signing keys shared by every server, retires and deletes them", withStore(h, async (store) => {
      const key = { kid: "k1", algorithm: "EdDSA", publicJwk: { kty: "OKP", crv: "Ed25519", x: "abc" }, encryptedPrivateKey: "enc", createdAt: T0, retireAt: null };
      await store.insertSigningKey(key);
      await store.insertSigningKey({ ...key, kid: "k2", createdAt: T0 + 1 });
      await store.retireSigningKey("k1", T0 + 100);
      assert.deepEqual(await store.listSigningKeys(), [{ ...key, retireAt: T0 + 100 }, { ...key, kid: "k2", createdAt: T0 + 1 }]);
      await store.deleteSigningKey("k1");
      assert.deepEqual((await store.listSigningKeys()).map((k) => k.kid), ["k2"]);
    }));

    it("stores JWT templates per tenant and name", withStore(h, async (store) => {
      const template = { tenantId: "acme", name: "hasura", claims: { role: "user" }, sessionFields: ["scopes"], lifetimeSeconds: 120, createdAt: T0, updatedAt: T0 };
      await store.putTemplate(template);
      await store.putTemplate({ ...template, tenantId: "globex" });
      await store.putTemplate({ ...template, claims: { role: "admin" }, updatedAt: T0 + 1 });
      assert.deepEqual(await store.getTemplate("acme", "hasura"), { ...template, claims: { role: "admin" }, updatedAt: T0 + 1 });
      assert.equal(await store.getTemplate("acme", "nope"), null);
      assert.equal((await store.listTemplates("acme")).length, 1);
      assert.equal(await store.deleteTemplate("acme", "hasura"), true);
      assert.equal(await store.deleteTemplate("acme", "hasura"), false);
      assert.equal((await store.listTemplates("globex")).length, 1);
    }));

    it("answers ping while open", withStore(h, async (store) => {
      await store.ping();
    }));
  });
}
