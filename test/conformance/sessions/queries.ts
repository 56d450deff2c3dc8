/** Lists, paging, filters, who-is-online and stats. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "../../../src/core/errors.js";
import { makeRecord, serviceOn, T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

/**
 * A count map as a plain object, own keys only (`__proto__` included as an ordinary key), to
 * compare with an expected one: stores hand out maps without a prototype.
 */
function plain(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, n] of Object.entries(value)) Object.defineProperty(out, key, { value: n, enumerable: true, writable: true, configurable: true });
  return out;
}

export function queryTests(h: StoreHarness): void {
  describe("lists and queries", () => {
    it(
      "lists newest first and pages by cursor and by offset without gaps or repeats",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store);
        const ids: string[] = [];
        for (let i = 0; i < 23; i++) {
          ids.push((await sessions.create({ userId: `u${i % 3}` })).session.id);
          if (i % 2 === 0) clock.advance(1);
        }
        const newestFirst = [...ids].sort().reverse();
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await sessions.list({ limit: 10, cursor });
          assert.equal(page.totalCount, 23);
          seen.push(...page.data.map((s) => s.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor !== undefined);
        assert.deepEqual(seen, newestFirst);
        const offsetPage = await sessions.list({ limit: 5, offset: 20 });
        assert.deepEqual(
          offsetPage.data.map((s) => s.id),
          newestFirst.slice(20),
        );
        assert.equal(offsetPage.nextCursor, null);
        await assert.rejects(sessions.list({ cursor: "not-a-cursor!" }), (e) => isSessiondError(e, "request_invalid"));
        await assert.rejects(sessions.list({ limit: 501 }), (e) => isSessiondError(e, "request_invalid"));
        await assert.rejects(
          sessions.list({ offset: 10_001 }),
          (e) => isSessiondError(e, "request_invalid"),
          "offsets stop at 10 000: deeper pages take the cursor",
        );
        assert.deepEqual((await sessions.list({ offset: 10_000 })).data, []);
      }),
    );

    it(
      "filters by user, client, workspace, tenant, status and creation time",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store);
        const a = await sessions.create({ userId: "ann", clientId: "client_a", workspaceId: "ws_1" });
        clock.advance(1000);
        const b = await sessions.create({ userId: "ann", workspaceId: "ws_2", tenantId: "globex" });
        clock.advance(1000);
        const c = await sessions.create({ userId: "bob", clientId: "client_a", pending: true });
        const ids = async (req: Parameters<typeof sessions.list>[0]) => (await sessions.list(req)).data.map((s) => s.id);
        assert.deepEqual(await ids({ userId: "ann" }), [b.session.id, a.session.id]);
        assert.deepEqual(await ids({ clientId: "client_a" }), [c.session.id, a.session.id]);
        assert.deepEqual(await ids({ workspaceId: "ws_2" }), [b.session.id]);
        assert.deepEqual(await ids({ tenantId: "globex" }), [b.session.id]);
        assert.deepEqual(await ids({ status: "pending" }), [c.session.id]);
        assert.deepEqual(await ids({ createdAtFrom: T0 + 1000, createdAtTo: T0 + 1000 }), [b.session.id]);
        assert.deepEqual(await ids({ tenantId: "default", userId: "ann" }), [a.session.id]);
      }),
    );

    it(
      "lists who is online, most recently active first, counting only active sessions",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { activityResolutionMs: 1 });
        const ann = await sessions.create({ userId: "ann", username: "Ann" });
        await sessions.create({ userId: "ann", username: "Ann" });
        clock.advance(10);
        await sessions.create({ userId: "bob" });
        const gone = await sessions.create({ userId: "cy" });
        await sessions.revoke(gone.session.id);
        await sessions.create({ userId: "dee", pending: true });
        clock.advance(10);
        await sessions.verify(ann.token);
        const online = await sessions.users({});
        assert.deepEqual(online.data, [
          { userId: "ann", username: "Ann", activeSessions: 2, lastActiveAt: T0 + 20 },
          { userId: "bob", username: null, activeSessions: 1, lastActiveAt: T0 + 10 },
        ]);
        const first = await sessions.users({ limit: 1 });
        assert.equal(first.data[0]!.userId, "ann");
        const second = await sessions.users({ limit: 1, cursor: first.nextCursor! });
        assert.deepEqual(
          second.data.map((u) => u.userId),
          ["bob"],
        );
        assert.equal(second.nextCursor, null);
      }),
    );

    it(
      "counts active sessions by the place and device of their latest activity",
      withStore(h, async (store) => {
        const now = { maxActivePerUser: null, nowMs: T0 };
        const base = makeRecord();
        const phone = { ...base.latestActivity!, country: "US", browserName: "Mobile Safari", deviceType: "mobile", osName: "iOS", isMobile: true };
        await store.sessions.insert(makeRecord({ tenantId: "devices" }), now);
        await store.sessions.insert(makeRecord({ tenantId: "devices", userId: "same" }), now);
        const second = makeRecord({ tenantId: "devices", userId: "same" });
        await store.sessions.insert({ ...second, latestActivity: { ...phone, id: second.latestActivity!.id, sessionId: second.id } }, now);
        await store.sessions.insert(makeRecord({ tenantId: "devices", status: "revoked", endedAt: T0, endReason: "revoked" }), now);
        const stats = await store.sessions.stats("devices", T0 + 1);
        assert.deepEqual(
          [stats.activeSessions, stats.distinctUsers, stats.byCountry, stats.byBrowser, stats.byDeviceType, stats.byOs, stats.byStatus].map(plain),
          [3, 2, { DE: 2, US: 1 }, { Firefox: 2, "Mobile Safari": 1 }, { desktop: 2, mobile: 1 }, { Linux: 2, iOS: 1 }, { active: 3, revoked: 1 }],
        );
      }),
    );

    it(
      "counts sessions by effective status and active ones by place and device",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { lifetimeMs: 60_000 });
        await sessions.create({ userId: "a", tenantId: "acme" });
        await sessions.create({ userId: "a", tenantId: "acme" });
        await sessions.create({ userId: "b", tenantId: "acme", lifetimeMs: 1000 });
        const revoked = await sessions.create({ userId: "c", tenantId: "acme" });
        await sessions.revoke(revoked.session.id);
        await sessions.create({ userId: "z", tenantId: "globex" });
        clock.advance(1000);
        const stats = await sessions.stats({ tenantId: "acme" });
        assert.equal(stats.activeSessions, 2);
        assert.equal(stats.distinctUsers, 1);
        assert.deepEqual(plain(stats.byStatus), { active: 2, expired: 1, revoked: 1 });
        assert.deepEqual(plain(stats.byCountry), { unknown: 2 });
        assert.deepEqual(plain(stats.byBrowser), { unknown: 2 });
        assert.deepEqual(plain(stats.byDeviceType), { unknown: 2 });
        assert.deepEqual(plain(stats.byOs), { unknown: 2 });
        const all = await sessions.stats();
        assert.equal(all.activeSessions, 3);
        assert.equal(all.distinctUsers, 2);
      }),
    );

    it(
      "counts places, devices and users named like Object.prototype's members as ordinary keys",
      withStore(h, async (store) => {
        const now = { maxActivePerUser: null, nowMs: T0 };
        const names = ["constructor", "toString", "__proto__", "hasOwnProperty", "valueOf"];
        const insertAs = async (name: string, userId: string) => {
          const r = makeRecord({ tenantId: "protos", userId, username: name });
          const activity = { ...r.latestActivity!, country: name, browserName: name, deviceType: name, osName: name };
          await store.sessions.insert({ ...r, latestActivity: activity }, now);
        };
        for (const name of names) await insertAs(name, name);
        await insertAs("__proto__", "constructor");
        await store.sessions.insert(makeRecord({ tenantId: "protos", userId: "toString", status: "revoked", endedAt: T0, endReason: "revoked" }), now);
        const expected = Object.fromEntries(names.map((n) => [n, n === "__proto__" ? 2 : 1]));
        for (const tenantId of ["protos", undefined]) {
          const stats = await store.sessions.stats(tenantId, T0 + 1);
          for (const map of [stats.byCountry, stats.byBrowser, stats.byDeviceType, stats.byOs, stats.byStatus])
            assert.equal(Object.getPrototypeOf(map), null, "count maps have no prototype");
          assert.deepEqual([stats.activeSessions, stats.distinctUsers], [6, 5]);
          for (const map of [stats.byCountry, stats.byBrowser, stats.byDeviceType, stats.byOs]) assert.deepEqual(plain(map), expected);
          assert.deepEqual(plain(stats.byStatus), { active: 6, revoked: 1 });
        }
        const online = await store.sessions.users("protos", T0 + 1, { limit: 10 });
        assert.deepEqual(online.items.map((u) => [u.userId, u.activeSessions]).sort(), [
          ["__proto__", 1],
          ["constructor", 2],
          ["hasOwnProperty", 1],
          ["toString", 1],
          ["valueOf", 1],
        ]);
        assert.equal((await store.sessions.list({ tenantId: "protos", userId: "__proto__", nowMs: T0 + 1 }, { limit: 10 })).totalCount, 1);
      }),
    );
  });
}
