/** SPEC §3 lifecycle through the service: deadlines, statuses, verbs, limits, types. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError, type ErrorCode } from "../../../src/core/errors.js";
import { serviceOn, T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const MIN = 60_000;
const code = (c: ErrorCode) => (e: unknown) => isSessiondError(e, c);

export function lifecycleTests(h: StoreHarness): void {
  describe("deadlines and status", () => {
    it(
      "computes expire_at from the lifetime, capped by max lifetime and max_age_minutes",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store, { lifetimeMs: 60 * MIN, maxLifetimeMs: 90 * MIN });
        assert.equal((await sessions.create({ userId: "u" })).session.expireAt, T0 + 60 * MIN);
        assert.equal((await sessions.create({ userId: "u", maxAgeMinutes: 15 })).session.expireAt, T0 + 15 * MIN);
        assert.equal((await sessions.create({ userId: "u", lifetimeMs: 90 * MIN })).session.expireAt, T0 + 90 * MIN);
      }),
    );

    it(
      "refuses per-session overrides above the tenant's max lifetime instead of clamping",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store, { maxLifetimeMs: 90 * MIN });
        await assert.rejects(sessions.create({ userId: "u", lifetimeMs: 91 * MIN }), code("policy_out_of_bounds"));
        await assert.rejects(sessions.create({ userId: "u", inactivityTimeoutMs: 91 * MIN }), code("policy_out_of_bounds"));
        await assert.rejects(sessions.create({ userId: "u", maxAgeMinutes: 91 }), code("policy_out_of_bounds"));
      }),
    );

    it(
      "reads a passed expire_at as expired everywhere before the sweeper runs",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: 10 * MIN });
        const { session, token } = await sessions.create({ userId: "u" });
        clock.advance(10 * MIN);
        const read = await sessions.get(session.id);
        assert.equal(read.status, "expired");
        assert.equal(read.endReason, "expired");
        assert.equal(read.endedAt, T0 + 10 * MIN);
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "session_expired" });
        assert.equal((await sessions.list({ status: "expired" })).totalCount, 1);
        assert.equal((await sessions.list({ status: "active" })).totalCount, 0);
      }),
    );

    it(
      "abandons an idle session and lets the earlier deadline win",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: 60 * MIN, inactivityTimeoutMs: 20 * MIN });
        const { session, token } = await sessions.create({ userId: "u" });
        assert.equal(session.abandonAt, T0 + 20 * MIN);
        clock.advance(20 * MIN);
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "session_abandoned" });
        clock.advance(60 * MIN);
        assert.equal((await sessions.get(session.id)).status, "abandoned");
      }),
    );

    it(
      "pushes abandon_at with recorded activity, at least every quarter of the timeout",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: 600 * MIN, inactivityTimeoutMs: 8 * MIN, activityResolutionMs: 60 * MIN });
        const { session, token } = await sessions.create({ userId: "u" });
        for (let i = 0; i < 10; i++) {
          clock.advance(2 * MIN);
          assert.equal((await sessions.verify(token)).valid, true);
        }
        assert.equal((await sessions.get(session.id)).abandonAt, T0 + 20 * MIN + 8 * MIN);
      }),
    );

    it(
      "slides expire_at with activity only when sliding expiration is on, never past the max lifetime",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: 10 * MIN, maxLifetimeMs: 25 * MIN, activityResolutionMs: MIN });
        const sliding = await sessions.create({ userId: "u", slidingExpiration: true });
        const fixed = await sessions.create({ userId: "u" });
        for (let i = 0; i < 5; i++) {
          clock.advance(5 * MIN);
          await sessions.verify(sliding.token);
          await sessions.verify(fixed.token);
        }
        assert.equal((await sessions.get(fixed.session.id)).status, "expired");
        const s = await sessions.get(sliding.session.id);
        assert.equal(s.status, "expired");
        assert.equal(s.expireAt, T0 + 25 * MIN);
      }),
    );

    it(
      "never moves expire_at on refresh by itself",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: 10 * MIN });
        const { session, token } = await sessions.create({ userId: "u" });
        clock.advance(5 * MIN);
        const refreshed = await sessions.refresh(token);
        assert.equal(refreshed.session.expireAt, session.expireAt);
        assert.equal(refreshed.session.lastRefreshedAt, T0 + 5 * MIN);
      }),
    );

    it(
      "expires a pending session after the pending timeout and starts the lifetime on activate",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: 60 * MIN, pendingTimeoutMs: 10 * MIN });
        const late = await sessions.create({ userId: "u", pending: true });
        const { session, token } = await sessions.create({ userId: "u", pending: true, amr: ["password"] });
        assert.equal(session.status, "pending");
        assert.equal(session.expireAt, T0 + 10 * MIN);
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "session_pending" });
        const pendingOk = await sessions.verify(token, { acceptPending: true });
        assert.equal(pendingOk.valid && pendingOk.session.status, "pending");
        clock.advance(5 * MIN);
        const active = await sessions.activate(session.id, { amr: ["totp", "password"] });
        assert.equal(active.status, "active");
        assert.deepEqual(active.amr, ["password", "totp"]);
        assert.equal(active.expireAt, T0 + 65 * MIN);
        assert.equal((await sessions.activate(session.id)).status, "active");
        clock.advance(5 * MIN);
        assert.equal((await sessions.get(late.session.id)).status, "expired");
        await assert.rejects(sessions.activate(late.session.id), code("session_terminal"));
      }),
    );
  });

  describe("terminal verbs", () => {
    it(
      "ends, revokes and repeats idempotently; another change of a terminal session is session_terminal",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        const a = await sessions.create({ userId: "u" });
        const ended = await sessions.end(a.session.id);
        assert.equal(ended.status, "ended");
        assert.equal(ended.endReason, "signed_out");
        assert.equal(ended.endedAt, T0);
        assert.equal(ended.revokedAt, null);
        assert.deepEqual(await sessions.end(a.session.id), ended);
        await assert.rejects(sessions.revoke(a.session.id), code("session_terminal"));
        await assert.rejects(sessions.update(a.session.id, { metadata: { x: 1 } }), code("session_terminal"));
        assert.deepEqual(await sessions.verify(a.token), { valid: false, code: "session_ended" });

        const b = await sessions.create({ userId: "u" });
        const revoked = await sessions.revoke(b.session.id, { reason: "password_changed" });
        assert.equal(revoked.status, "revoked");
        assert.equal(revoked.endReason, "password_changed");
        assert.equal(revoked.revokedAt, T0);
        assert.equal((await sessions.revoke(b.session.id)).endReason, "password_changed");
        await assert.rejects(sessions.end(b.session.id), code("session_terminal"));
        assert.deepEqual(await sessions.verify(b.token), { valid: false, code: "session_revoked" });
      }),
    );

    it(
      "soft-deletes: tokens stop working, get still shows it, lists and users ignore it",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        const { session, token } = await sessions.create({ userId: "u" });
        const deleted = await sessions.delete(session.id);
        assert.equal(deleted.isDeleted, true);
        assert.equal(deleted.status, "revoked");
        assert.equal(deleted.endReason, "deleted");
        assert.deepEqual(await sessions.delete(session.id), deleted);
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "token_invalid" });
        assert.equal((await sessions.get(session.id)).isDeleted, true);
        assert.equal((await sessions.list({})).totalCount, 0);
        assert.equal((await sessions.users({})).data.length, 0);
        assert.equal((await sessions.stats({})).byStatus.revoked, undefined);
        assert.ok(!("deleted" in deleted));
      }),
    );

    it(
      "updates app-owned fields of a live session",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        const { session } = await sessions.create({ userId: "u" });
        const updated = await sessions.update(session.id, {
          metadata: { theme: "dark" },
          activeOrganizationId: "org_9",
          scopes: ["admin"],
          username: "ada",
          workspaceId: "ws_2",
        });
        assert.deepEqual(updated.metadata, { theme: "dark" });
        assert.equal(updated.lastActiveOrganizationId, "org_9");
        assert.deepEqual(updated.scopes, ["admin"]);
        assert.equal(updated.username, "ada");
        assert.equal(updated.workspaceId, "ws_2");
        await assert.rejects(sessions.update(session.id, { metadata: { big: "x".repeat(17_000) } }), code("metadata_too_large"));
      }),
    );

    it(
      "revokes all of a user's live sessions except one, and removes a user's sessions",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        const keep = await sessions.create({ userId: "u" });
        await sessions.create({ userId: "u" });
        const endedAlready = await sessions.create({ userId: "u" });
        await sessions.end(endedAlready.session.id);
        const other = await sessions.create({ userId: "v" });
        assert.deepEqual(await sessions.revokeUser("u", { exceptSessionId: keep.session.id, reason: "password_changed" }), { revokedCount: 1 });
        assert.equal((await sessions.get(endedAlready.session.id)).status, "ended");
        assert.equal((await sessions.get(keep.session.id)).status, "active");
        assert.deepEqual(await sessions.removeUser("u"), { removedCount: 1 });
        const removed = await sessions.get(keep.session.id);
        assert.equal(removed.status, "removed");
        assert.equal(removed.endReason, "user_removed");
        assert.equal((await sessions.get(other.session.id)).status, "active");
      }),
    );
  });

  describe("limits and replacement", () => {
    it(
      "evicts the least recently active session when a new one passes the per-user limit",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { maxSessionsPerUser: 2, activityResolutionMs: 1000 });
        const first = await sessions.create({ userId: "u" });
        clock.advance(1000);
        const second = await sessions.create({ userId: "u" });
        clock.advance(1000);
        await sessions.verify(first.token); // first is now more recently active than second
        const pending = await sessions.create({ userId: "u", pending: true });
        assert.equal((await sessions.get(second.session.id)).status, "active", "pending sessions never evict");
        await sessions.create({ userId: "u" });
        const evicted = await sessions.get(second.session.id);
        assert.equal(evicted.status, "removed");
        assert.equal(evicted.endReason, "session_limit");
        assert.deepEqual(await sessions.verify(second.token), { valid: false, code: "session_removed" });
        await sessions.activate(pending.session.id);
        assert.equal((await sessions.get(first.session.id)).status, "removed");
        assert.equal((await sessions.list({ userId: "u", status: "active" })).totalCount, 2);
      }),
    );

    it(
      "marks the session named by replaces_session_id as replaced",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store, { maxSessionsPerUser: 1 });
        const old = await sessions.create({ userId: "u" });
        const other = await sessions.create({ userId: "admin" });
        await sessions.create({ userId: "u", replacesSessionId: old.session.id });
        const replaced = await sessions.get(old.session.id);
        assert.equal(replaced.status, "replaced");
        assert.equal(replaced.endReason, "replaced");
        await sessions.create({ userId: "u2", replacesSessionId: other.session.id });
        assert.equal((await sessions.get(other.session.id)).status, "replaced");
        await assert.rejects(sessions.create({ userId: "u", replacesSessionId: "sess_0000000000000000000000000000zz" }), code("resource_not_found"));
      }),
    );
  });
}
