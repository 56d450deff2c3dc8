/**
 * Events through the service (SPEC §9) on every store: each verb stores the events it should,
 * naming who did it, and the feed hands them out in order; `events: false` stores none.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import type { Enricher } from "../../src/core/model.js";
import { createSessions } from "../../src/core/service.js";
import type { Store } from "../../src/core/store/index.js";
import { T0 } from "./fixtures.js";
import { type StoreHarness, withStore } from "./store.js";

const MIN = 60_000;
const key = { type: "api_key" as const, id: "key_1" };

/** 203.0.113.x is in DE, anything else in FR; every UA is Firefox on Linux. */
const enricher: Enricher = {
  describe: ({ ip }) => ({
    isMobile: false,
    browserName: "Firefox",
    browserVersion: "128",
    deviceType: "desktop",
    osName: "Linux",
    city: null,
    country: ip?.startsWith("203.0.113.") ? "DE" : "FR",
    location: null,
  }),
};

function service(store: Store, events = true) {
  const clock = new ManualClock(T0);
  const sessions = createSessions({ store, clock, enricher, activityWrites: false, events, policy: { refreshGraceMs: 1000 } });
  return { sessions, clock };
}

async function feed(sessions: ReturnType<typeof service>["sessions"], after?: string) {
  const out: Array<{ type: string; session: string; by: string; timestamp: number; status: string }> = [];
  let cursor = after;
  for (;;) {
    const page = await sessions.events.list(cursor === undefined ? {} : { after: cursor });
    for (const e of page.data)
      out.push({ type: e.type, session: e.data.id, by: `${e.initiatedBy.type}:${e.initiatedBy.id}`, timestamp: e.timestamp, status: e.data.status });
    if (page.data.length === 0) return out;
    cursor = page.nextCursor;
  }
}

export function eventServiceTests(h: StoreHarness): void {
  describe("events through the service", () => {
    it(
      "stores one event per change with who made it, from sign-in to sign-out",
      withStore(h, async (store) => {
        const { sessions, clock } = service(store);
        const created = await sessions.create({ userId: "ann", ip: "203.0.113.1", userAgent: "Firefox", initiatedBy: key });
        clock.advance(2 * MIN);
        await sessions.verify(created.token, { ip: "198.51.100.1" }); // a new address and country
        clock.advance(2 * MIN);
        await sessions.verify(created.token, { ip: "198.51.100.1" }); // nothing changed: no event
        const refreshed = await sessions.refresh(created.token);
        await sessions.update(created.session.id, { metadata: { plan: "pro" } }, { initiatedBy: { type: "console", id: null } });
        clock.advance(5000); // past the refresh grace: the old token is a stolen copy
        assert.equal((await sessions.verify(created.token)).valid, false);
        const events = await feed(sessions);
        assert.deepEqual(
          events.map((e) => [e.type, e.by]),
          [
            ["session.created", "api_key:key_1"],
            ["session.activity_changed", "user:ann"],
            ["session.updated", "user:ann"],
            ["session.updated", "console:null"],
            ["session.token_reused", "system:null"],
            ["session.revoked", "system:null"],
          ],
        );
        assert.equal(events.at(-1)!.status, "revoked");
        assert.ok(refreshed.token !== created.token);
        const page = await sessions.events.list({ types: ["session.created"] });
        assert.deepEqual(page.data[0]!.signals, { newDevice: true, newCountry: true, newBrowser: true });
        // Compared with each retained session's latest activity: ann was last seen in FR.
        const second = await sessions.create({ userId: "ann", ip: "198.51.100.9", userAgent: "Firefox" });
        const [again] = (await sessions.events.list({ after: page.nextCursor, types: ["session.created"] })).data;
        assert.equal(again!.data.id, second.session.id);
        assert.deepEqual(again!.signals, { newDevice: false, newCountry: false, newBrowser: false }, "ann's revoked session is retained and counts");
        assert.deepEqual(again!.initiatedBy, { type: "api_key", id: null }, "the library's caller, without a key id");
      }),
    );

    it(
      "stores the ends of every verb, the limit, replacement, activation, a revoke-all and the sweep",
      withStore(h, async (store) => {
        const { sessions, clock } = service(store);
        await sessions.putPolicy("default", { maxSessionsPerUser: 2 });
        const a = await sessions.create({ userId: "bob" });
        clock.advance(1000);
        const b = await sessions.create({ userId: "bob" });
        clock.advance(1000);
        const c = await sessions.create({ userId: "bob", replacesSessionId: b.session.id });
        const pending = await sessions.create({ userId: "bob", pending: true });
        clock.advance(1000);
        await sessions.activate(pending.session.id); // the limit removes a
        await sessions.end(c.session.id);
        const d = await sessions.create({ userId: "cyd" });
        await sessions.delete(d.session.id);
        await sessions.create({ userId: "dan" });
        await sessions.create({ userId: "dan" });
        await sessions.revokeUser("dan");
        await sessions.create({ userId: "eve" });
        await sessions.removeUser("eve");
        const start = (await sessions.events.list({ types: ["session.removed"] })).nextCursor;
        const short = await sessions.create({ userId: "fay", lifetimeMs: 10 * MIN });
        clock.advance(11 * MIN);
        await sessions.sweep();
        const events = await feed(sessions);
        const of = (id: string) => events.filter((e) => e.session === id).map((e) => e.type);
        assert.deepEqual(of(a.session.id), ["session.created", "session.removed"]);
        assert.deepEqual(of(b.session.id), ["session.created", "session.replaced"]);
        assert.deepEqual(of(c.session.id), ["session.created", "session.ended"]);
        assert.deepEqual(of(pending.session.id), ["session.pending", "session.activated"]);
        assert.deepEqual(of(d.session.id), ["session.created", "session.deleted"]);
        assert.deepEqual(events.filter((e) => e.type === "session.revoked").length, 2, "one event per session a revoke-all ends");
        assert.equal(events.filter((e) => e.type === "session.removed").length, 2, "the limit's and the removed user's");
        const expired = events.find((e) => e.session === short.session.id && e.type === "session.expired")!;
        assert.equal(expired.timestamp, short.session.expireAt, "a passive end is stamped with its deadline");
        assert.equal(expired.by, "system:null");
        assert.ok((await feed(sessions, start)).some((e) => e.type === "session.expired"));
      }),
    );

    it(
      "answers seenBefore (where a store has it) from the user's other non-deleted sessions' latest activity",
      withStore(h, async (store) => {
        const seenBefore = store.sessions.seenBefore?.bind(store.sessions);
        if (seenBefore === undefined) return; // optional: the core then compares with a list
        const { sessions } = service(store);
        const de = await sessions.create({ userId: "ann", ip: "203.0.113.1", userAgent: "Firefox" });
        const gone = await sessions.create({ userId: "ann", ip: "198.51.100.1", userAgent: "Firefox" });
        await sessions.delete(gone.session.id);
        await sessions.create({ userId: "bob", ip: "198.51.100.1", userAgent: "Firefox" });
        const probe = { tenantId: "default", userId: "ann", exceptId: "sess_none", deviceType: "desktop", osName: "Linux", browserName: "Firefox" };
        assert.deepEqual(await seenBefore({ ...probe, country: "DE" }), { device: true, country: true, browser: true });
        assert.deepEqual(
          await seenBefore({ ...probe, country: "FR" }),
          { device: true, country: false, browser: true },
          "a deleted session and another user's do not count",
        );
        assert.deepEqual(
          await seenBefore({ ...probe, exceptId: de.session.id, country: "DE" }),
          { device: false, country: false, browser: false },
          "not compared with itself",
        );
        assert.deepEqual(
          await seenBefore({ ...probe, osName: "macOS", country: null }),
          { device: false, country: false, browser: true },
          "an unknown country never matches",
        );
        assert.deepEqual(await seenBefore({ ...probe, tenantId: "acme", country: "DE" }), { device: false, country: false, browser: false });
      }),
    );

    it(
      "stores nothing with events: false, and the feed still pages",
      withStore(h, async (store) => {
        const { sessions } = service(store, false);
        const { session } = await sessions.create({ userId: "u" });
        await sessions.revoke(session.id);
        const page = await sessions.events.list();
        assert.deepEqual(page.data, []);
        assert.equal(typeof page.nextCursor, "string");
      }),
    );
  });
}
