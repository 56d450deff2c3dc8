/** Tenant isolation on every operation, and tenant policies. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "../../../src/core/errors.js";
import { serviceOn, T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const notFound = (e: unknown) => isSessiondError(e, "resource_not_found");

export function tenancyTests(h: StoreHarness): void {
  describe("tenants", () => {
    it(
      "hides one tenant's sessions from every scoped operation of another",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        const { session, token } = await sessions.create({ userId: "u", tenantId: "acme" });
        const other = { tenantId: "globex" };
        await assert.rejects(sessions.get(session.id, other), notFound);
        await assert.rejects(sessions.update(session.id, { metadata: { x: 1 } }, other), notFound);
        await assert.rejects(sessions.activate(session.id, other), notFound);
        await assert.rejects(sessions.end(session.id, other), notFound);
        await assert.rejects(sessions.revoke(session.id, other), notFound);
        await assert.rejects(sessions.delete(session.id, other), notFound);
        await assert.rejects(sessions.activities(session.id, other), notFound);
        assert.deepEqual(await sessions.verify(token, other), { valid: false, code: "token_invalid" });
        await assert.rejects(sessions.refresh(token, other), (e) => isSessiondError(e, "token_invalid"));
        assert.equal((await sessions.list(other)).totalCount, 0);
        assert.equal((await sessions.list({ ...other, userId: "u" })).totalCount, 0);
        assert.deepEqual(await sessions.revokeUser("u", other), { revokedCount: 0 });
        assert.deepEqual(await sessions.removeUser("u", other), { removedCount: 0 });
        assert.equal((await sessions.users(other)).data.length, 0);
        assert.equal((await sessions.stats(other)).activeSessions, 0);
        const firstPage = await sessions.list({ tenantId: "acme", limit: 1 });
        assert.equal((await sessions.list({ ...other, cursor: firstPage.nextCursor ?? undefined })).totalCount, 0);
        const mine = await sessions.get(session.id, { tenantId: "acme" });
        assert.equal(mine.status, "active");
        assert.equal((await sessions.verify(token, { tenantId: "acme" })).valid, true);
      }),
    );

    it(
      "keeps the same user id in two tenants apart",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store, { maxSessionsPerUser: 1 });
        const a = await sessions.create({ userId: "u", tenantId: "acme" });
        await sessions.create({ userId: "u", tenantId: "globex" });
        assert.equal((await sessions.get(a.session.id)).status, "active", "another tenant's session never counts against this limit");
        await sessions.revokeUser("u", { tenantId: "globex" });
        assert.equal((await sessions.get(a.session.id)).status, "active");
      }),
    );

    it(
      "applies a tenant policy to the next session; omitted fields use the deployment default, null turns off",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store, { lifetimeMs: 3_600_000, inactivityTimeoutMs: 600_000 });
        const before = await sessions.create({ userId: "u", tenantId: "acme" });
        assert.equal(before.session.expireAt, T0 + 3_600_000);
        const view = await sessions.putPolicy("acme", { lifetimeMs: 120_000, inactivityTimeoutMs: null });
        assert.equal(view.effective.lifetimeMs, 120_000);
        assert.equal(view.effective.inactivityTimeoutMs, null);
        assert.equal(view.effective.maxLifetimeMs, sessions.settings.maxLifetimeMs);
        const after = await sessions.create({ userId: "u", tenantId: "acme" });
        assert.equal(after.session.expireAt, T0 + 120_000);
        assert.equal(after.session.abandonAt, null);
        assert.equal((await sessions.get(before.session.id)).expireAt, T0 + 3_600_000, "existing sessions keep their lifetimes");
        assert.equal((await sessions.create({ userId: "u", tenantId: "globex" })).session.expireAt, T0 + 3_600_000);
        assert.deepEqual((await sessions.getPolicy("globex")).overrides, {});
      }),
    );
  });
}
