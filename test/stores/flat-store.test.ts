/**
 * A custom store written against the old 29-method contract (before the roles) still works
 * with `createSessions` (deprecated): the service reaches each old method as the role it now
 * belongs to (src/core/store/flat-methods.ts).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSessions } from "../../src/core/service.js";
import { type FlatSessionStore, fromFlatStore } from "../../src/core/store/flat-methods.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { OLD_METHODS } from "../conformance/flat-methods.js";

/** An object with nothing but the old methods, as a custom store of an existing user has. */
function oldStyleStore(): FlatSessionStore & { calls: string[] } {
  const inner = memoryStore() as unknown as Record<string, (...args: unknown[]) => unknown>;
  const calls: string[] = [];
  const store = Object.fromEntries(
    OLD_METHODS.map((name) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return inner[name]!(...args);
      },
    ]),
  );
  return Object.assign(store as unknown as FlatSessionStore, { calls });
}

describe("a custom store with the old flat methods (deprecated)", () => {
  it("runs the service: create, verify, revoke, tenant policies, templates and the verify cache", async () => {
    const store = oldStyleStore();
    assert.equal("sessions" in store, false);
    const sessions = createSessions({ store, verifyCache: {} });
    await sessions.cacheReady;
    const { session, token } = await sessions.create({ userId: "ann" });
    assert.equal((await sessions.verify(token)).valid, true);
    await sessions.revoke(session.id);
    assert.deepEqual(await sessions.verify(token), { valid: false, code: "session_revoked" });
    assert.equal((await sessions.putPolicy("acme", { lifetimeMs: 60_000 })).effective.lifetimeMs, 60_000);
    await sessions.templates.put("acme", "plain", { claims: { role: "user" } });
    assert.deepEqual(
      (await sessions.templates.list("acme")).map((t) => t.name),
      ["plain"],
    );
    assert.equal((await sessions.stats({})).byStatus.revoked, 1);
    await sessions.close();
    for (const name of ["watchChanges", "insert", "get", "update", "putPolicy", "getPolicy", "putTemplate", "listTemplates", "stats", "close"])
      assert.ok(store.calls.includes(name), name);
  });

  it("is wrapped into the roles by fromFlatStore, every role method reaching its old method", async () => {
    const store = oldStyleStore();
    const roles = fromFlatStore(store);
    await roles.policies.put("acme", { lifetimeMs: 1000 });
    assert.deepEqual(await store.getPolicy("acme"), { lifetimeMs: 1000 });
    assert.equal(await roles.counters.add("k", 0, 60_000, 3), 3);
    assert.equal(await store.countHits("k", 0, 60_000, 1), 4);
    assert.deepEqual(await roles.signingKeys.list(), []);
    await roles.ping();
    assert.deepEqual(store.calls, ["putPolicy", "getPolicy", "countHits", "countHits", "listSigningKeys", "ping"]);
  });
});
