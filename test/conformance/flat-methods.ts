/**
 * The store's methods from before the roles (`store.get(id)`, `store.getPolicy(t)`, …):
 * deprecated, but an existing caller's code keeps working on every built-in store.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FlatSessionStore } from "../../src/core/store/flat-methods.js";
import type { Store } from "../../src/core/store/index.js";
import { hashSecret, newId, systemRandom } from "../../src/core/session-token.js";
import { makeRecord, T0 } from "./fixtures.js";
import { type StoreHarness, withStore } from "./store.js";

/** Every method of the old 29-method `SessionStore`. */
export const OLD_METHODS = [
  "insert",
  "get",
  "update",
  "recordActivity",
  "list",
  "endMany",
  "activities",
  "users",
  "stats",
  "sweep",
  "getPolicy",
  "putPolicy",
  "insertApiKey",
  "getApiKey",
  "listApiKeys",
  "revokeApiKey",
  "insertSigningKey",
  "listSigningKeys",
  "retireSigningKey",
  "deleteSigningKey",
  "putTemplate",
  "getTemplate",
  "listTemplates",
  "deleteTemplate",
  "migrate",
  "countHits",
  "watchChanges",
  "ping",
  "close",
] as const;

const noLimit = { maxActivePerUser: null, nowMs: T0 };

export function flatMethodTests(h: StoreHarness): void {
  describe("old flat methods (deprecated)", () => {
    it(
      "answers every old method, each as the role it now belongs to",
      withStore(h, async (store) => {
        const old: FlatSessionStore & Store = store as Store & FlatSessionStore;
        for (const name of OLD_METHODS) assert.equal(typeof old[name], "function", name);

        const record = makeRecord({ userId: "flat" });
        assert.deepEqual(await old.insert(record, noLimit), { evicted: [] });
        assert.deepEqual(await old.get(record.id), await store.sessions.get(record.id));
        assert.equal((await old.update(record.id, { metadata: { a: 1 } }, 1)).version, 2);
        const at = record.lastActiveAt + 10;
        const activity = { ...record.latestActivity!, id: newId("sact", at, systemRandom), at };
        const change = { lastActiveAt: at, expireAt: record.expireAt, abandonAt: record.abandonAt, location: null, latestActivity: activity };
        assert.equal(await old.recordActivity(record.id, change, 20), true);
        assert.deepEqual(
          (await old.activities(record.id, { limit: 10 })).items.map((a) => a.at),
          [at, record.createdAt],
        );
        assert.deepEqual(
          (await old.list({ tenantId: "acme", nowMs: T0 }, { limit: 10 })).items.map((s) => s.id),
          [record.id],
        );
        assert.deepEqual(
          (await old.users("acme", T0, { limit: 10 })).items.map((u) => u.userId),
          ["flat"],
        );
        assert.equal((await old.stats("acme", T0)).activeSessions, 1);
        assert.deepEqual(await old.endMany({ tenantId: "acme", userId: "flat", nowMs: T0 }, { status: "revoked", endReason: "revoked", atMs: T0 }), [
          record.id,
        ]);
        assert.deepEqual(await old.sweep(T0, 0, 10), { expired: 0, abandoned: 0, purged: 0 });

        await old.putPolicy("acme", { lifetimeMs: 1000 });
        assert.deepEqual(await store.policies.get("acme"), { lifetimeMs: 1000 });
        assert.deepEqual(await old.getPolicy("acme"), { lifetimeMs: 1000 });

        const key = { id: "key_1", tenantId: "acme", name: null, secretHash: hashSecret("k"), createdAt: T0, revokedAt: null };
        await old.insertApiKey(key);
        assert.deepEqual(await old.getApiKey("key_1"), key);
        assert.deepEqual(
          (await old.listApiKeys("acme")).map((k) => k.id),
          ["key_1"],
        );
        assert.equal((await old.revokeApiKey("key_1", T0 + 1))!.revokedAt, T0 + 1);
        assert.equal((await store.apiKeys.get("key_1"))!.revokedAt, T0 + 1);

        const signingKey = { kid: "k1", algorithm: "EdDSA", publicJwk: { kty: "OKP" }, encryptedPrivateKey: "enc", createdAt: T0, retireAt: null };
        await old.insertSigningKey(signingKey);
        await old.retireSigningKey("k1", T0 + 5);
        assert.deepEqual(await old.listSigningKeys(), [{ ...signingKey, retireAt: T0 + 5 }]);
        await old.deleteSigningKey("k1");
        assert.deepEqual(await store.signingKeys.list(), []);

        const template = { tenantId: "acme", name: "t", claims: {}, sessionFields: [], lifetimeSeconds: null, createdAt: T0, updatedAt: T0 };
        await old.putTemplate(template);
        assert.deepEqual(await old.getTemplate("acme", "t"), template);
        assert.deepEqual(await old.listTemplates("acme"), [template]);
        assert.equal(await old.deleteTemplate("acme", "t"), true);
        assert.equal(await store.templates.get("acme", "t"), null);

        const window = Math.floor(Date.now() / 60_000) * 60_000;
        assert.equal(await old.countHits("flat", window, 60_000, 2), 2);
        assert.equal(await store.counters.add("flat", window, 60_000, 1), 3);

        const watch = await old.watchChanges(() => undefined);
        assert.equal(typeof watch.poll, "function");
        await watch.stop();
        await old.migrate();
        await old.ping();
      }),
    );
  });
}
