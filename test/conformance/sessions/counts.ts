/**
 * Stats, list totals and who-is-online against a model: after every kind of change (create,
 * pending and activate, activity with new places and devices, username changes, end, revoke,
 * delete, revoke-all, limit evictions, deadlines passing before and after the sweeper, purges),
 * what the store reports equals what its sessions, read one by one, say. A store that keeps
 * counts (SQLite) must keep them exact; one that counts on each read must count right.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../../src/core/clock.js";
import type { DeviceAndPlace, Enricher } from "../../../src/core/model.js";
import { effectiveStatus } from "../../../src/core/deadlines.js";
import { createSessions } from "../../../src/core/service.js";
import { SESSION_STATUSES } from "../../../src/core/model.js";
import { T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const PLACES = ["DE", "US", "constructor", null];
const BROWSERS = ["Firefox", "Chrome", "__proto__", null];

/** Devices and places from the user agent, so a test picks them: "browser|os|country|device". */
const enricher: Enricher = {
  describe: ({ userAgent }): DeviceAndPlace => {
    const [browser = null, os = null, country = null, device = null] = (userAgent ?? "").split("|").map((p) => (p === "" ? null : p));
    return { isMobile: false, browserName: browser, browserVersion: null, deviceType: device, osName: os, city: null, country, location: null };
  },
};

/** A small deterministic generator (mulberry32): the same sequence on every store. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const key = (v: string | null) => v ?? "unknown";

function tally(values: (string | null)[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(key(v), (counts.get(key(v)) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => (a < b ? -1 : 1));
}

const entries = (counts: Record<string, number>) => Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1));

export function countTests(h: StoreHarness): void {
  describe("counts through every kind of change", () => {
    it(
      "keeps stats, list totals and who-is-online equal to the sessions themselves",
      withStore(h, async (store) => {
        const clock = new ManualClock(T0);
        const policy = {
          lifetimeMs: 40_000,
          inactivityTimeoutMs: 25_000,
          maxSessionsPerUser: 3,
          activityResolutionMs: 1,
          pendingTimeoutMs: 30_000,
          retentionMs: 20_000,
        };
        const sessions = createSessions({ store, policy, clock, enricher });
        const next = random(13);
        const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
        const tenants = ["acme", "globex"];
        const users = ["ann", "bob", "cy", "toString"];
        const made: { id: string; token: string; tenantId: string }[] = [];
        const agent = () =>
          `${pick(BROWSERS) ?? ""}|${pick(["Linux", "iOS", "valueOf", null]) ?? ""}|${pick(PLACES) ?? ""}|${pick(["desktop", "mobile", null]) ?? ""}`;

        const check = async (step: number) => {
          await sessions.flushActivity(); // the store is read directly below
          const now = clock.now();
          const all = (await Promise.all(made.map((m) => store.sessions.get(m.id)))).filter((r) => r !== null && !r.isDeleted);
          for (const tenantId of [...tenants, undefined]) {
            const mine = all.filter((r) => tenantId === undefined || r!.tenantId === tenantId);
            const active = mine.filter((r) => effectiveStatus(r!, now) === "active");
            const stats = await sessions.stats(tenantId === undefined ? {} : { tenantId });
            const where = `step ${step}, tenant ${tenantId ?? "all"}`;
            assert.deepEqual(entries(stats.byStatus), tally(mine.map((r) => effectiveStatus(r!, now))), `byStatus, ${where}`);
            assert.equal(stats.activeSessions, active.length, `activeSessions, ${where}`);
            assert.equal(stats.distinctUsers, new Set(active.map((r) => `${r!.tenantId}\0${r!.userId}`)).size, `distinctUsers, ${where}`);
            assert.deepEqual(entries(stats.byCountry), tally(active.map((r) => r!.latestActivity?.country ?? null)), `byCountry, ${where}`);
            assert.deepEqual(entries(stats.byBrowser), tally(active.map((r) => r!.latestActivity?.browserName ?? null)), `byBrowser, ${where}`);
            assert.deepEqual(entries(stats.byOs), tally(active.map((r) => r!.latestActivity?.osName ?? null)), `byOs, ${where}`);
            assert.deepEqual(entries(stats.byDeviceType), tally(active.map((r) => r!.latestActivity?.deviceType ?? null)), `byDeviceType, ${where}`);
            const scope = tenantId === undefined ? {} : { tenantId };
            assert.equal((await sessions.list({ ...scope, limit: 1 })).totalCount, mine.length, `list total, ${where}`);
            for (const status of SESSION_STATUSES)
              assert.equal(
                (await sessions.list({ ...scope, status, limit: 1 })).totalCount,
                mine.filter((r) => effectiveStatus(r!, now) === status).length,
                `${status} total, ${where}`,
              );
            if (tenantId === undefined) continue;
            const online = new Map<string, { userId: string; username: string | null; activeSessions: number; lastActiveAt: number; latest: string }>();
            for (const r of active) {
              const u = online.get(r!.userId) ?? { userId: r!.userId, username: null, activeSessions: 0, lastActiveAt: -1, latest: "" };
              u.activeSessions += 1;
              if (r!.lastActiveAt > u.lastActiveAt || (r!.lastActiveAt === u.lastActiveAt && r!.id > u.latest))
                Object.assign(u, { lastActiveAt: r!.lastActiveAt, latest: r!.id, username: r!.username });
              online.set(r!.userId, u);
            }
            const expected = [...online.values()]
              .sort((a, b) => b.lastActiveAt - a.lastActiveAt || (a.userId < b.userId ? -1 : 1))
              .map(({ latest: _, ...u }) => u);
            const pages: unknown[] = [];
            let cursor: string | undefined;
            do {
              const page = await sessions.users({ tenantId, limit: 2, ...(cursor === undefined ? {} : { cursor }) });
              pages.push(...page.data);
              cursor = page.nextCursor ?? undefined;
            } while (cursor !== undefined);
            assert.deepEqual(pages, expected, `who is online, ${where}`);
          }
        };

        for (let step = 0; step < 160; step++) {
          clock.advance(1 + Math.floor(next() * 3000));
          const roll = next();
          const target = made.length === 0 ? undefined : pick(made);
          try {
            if (roll < 0.3 || target === undefined) {
              const tenantId = pick(tenants);
              const created = await sessions.create({
                tenantId,
                userId: pick(users),
                username: pick(["Ann", "Bob", null]),
                userAgent: agent(),
                pending: next() < 0.15,
              });
              made.push({ id: created.session.id, token: created.token, tenantId });
            } else if (roll < 0.5) await sessions.verify(target.token, { userAgent: agent() });
            else if (roll < 0.55) await sessions.activate(target.id, { tenantId: target.tenantId });
            else if (roll < 0.6) await sessions.update(target.id, { username: pick(["Zed", "Ann", null]) }, { tenantId: target.tenantId });
            else if (roll < 0.65) await sessions.revoke(target.id, { tenantId: target.tenantId });
            else if (roll < 0.68) await sessions.end(target.id, { tenantId: target.tenantId });
            else if (roll < 0.72) await sessions.delete(target.id, { tenantId: target.tenantId });
            else if (roll < 0.74) await sessions.revokeUser(pick(users), { tenantId: pick(tenants) });
            else if (roll < 0.8) await sessions.sweep();
            else if (roll < 0.85) clock.advance(20_000);
          } catch (error) {
            // Changing a session that has ended meanwhile is refused; the model only follows what the store did.
            if (!(error instanceof Error && "code" in error && ["session_terminal", "resource_not_found", "conflict"].includes(String(error.code))))
              throw error;
          }
          if (step % 8 === 7) await check(step);
        }
        await check(160);
      }),
    );
  });
}
