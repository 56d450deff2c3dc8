/**
 * The SQLite store's heavy reads (issue 13): lists, who-is-online and stats read maintained
 * counts and indexes, never every session (checked by query plan), and run off the event
 * loop, so verifies go on while one runs over many sessions.
 */
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import Database from "better-sqlite3";
import { createSessions } from "../../src/core/service.js";
import { lapsedSql, statsStep, statusTotalStep, usersStep } from "../../src/stores/sqlite/counts.js";
import { sqliteStore } from "../../src/stores/sqlite/index.js";
import { listSql } from "../../src/stores/sqlite/sessions.js";
import { T0, makeRecord } from "../conformance/fixtures.js";

const tempPath = () => join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-reads-")), "s.db");

/** EXPLAIN QUERY PLAN of a statement on a migrated, empty file. */
async function planner(): Promise<{ plan(step: { sql: string; params: Record<string, unknown> }): string; close(): void }> {
  const path = tempPath();
  await sqliteStore({ path }).close();
  const db = new Database(path, { readonly: true });
  return {
    plan: (step) => (db.prepare(`EXPLAIN QUERY PLAN ${step.sql}`).all(step.params) as { detail: string }[]).map((r) => r.detail).join("; "),
    close: () => db.close(),
  };
}

/** Any of these in a plan means a walk over sessions that grows with the tenant or the table. */
const WALKS = [/SCAN sessions\b/, /SCAN s\b/, /SCAN t\b/, /sessions_listed/, /INDEX sessions_by_user \(tenant_id=\?\)/];

describe("sqlite heavy reads", () => {
  it("counts stats and list totals from the maintained counts and the lapsed sessions' partial indexes only", async () => {
    const db = await planner();
    try {
      for (const tenantId of ["acme", undefined]) {
        for (const step of [statsStep(tenantId, 0), statusTotalStep(tenantId, undefined, 0), statusTotalStep(tenantId, "expired", 0)]) {
          const used = db.plan(step);
          assert.match(used, new RegExp(`(SEARCH|SCAN) session_counts${tenantId === undefined ? "" : " USING PRIMARY KEY \\(tenant_id=\\?"}`), used);
          assert.match(used, /SEARCH sessions USING INDEX sessions_live_expire \(expire_at<\?\)/, used);
          assert.match(used, /SEARCH sessions USING INDEX sessions_live_abandon/, used);
          for (const walk of WALKS) assert.doesNotMatch(used, walk, used);
        }
        assert.equal(
          listSql({ ...(tenantId === undefined ? {} : { tenantId }), status: "active", nowMs: 0 }, { limit: 10 }).count.sql,
          statusTotalStep(tenantId, "active", 0).sql,
        );
      }
      assert.ok(
        db.plan({ sql: lapsedSql("acme", "id"), params: { now: 0, tenantId: "acme" } }).includes("sessions_live_abandon (abandon_at>? AND abandon_at<?)"),
      );
    } finally {
      db.close();
    }
  });

  it("pages who-is-online from the online_users index in order, recomputing only users with a lapsed session", async () => {
    const db = await planner();
    try {
      for (const page of [{ limit: 20 }, { limit: 20, afterKey: "1700000000000:ann" }]) {
        const used = db.plan(usersStep("acme", 0, page));
        assert.match(used, /MERGE \(UNION ALL\); LEFT; SEARCH online_users USING INDEX online_users_by_activity \(tenant_id=\?/, used);
        assert.match(used, /SCAN l; SEARCH s USING INDEX sessions_by_user \(tenant_id=\? AND user_id=\?\)/, "the recount starts from the lapsed users");
        for (const walk of WALKS) assert.doesNotMatch(used, walk, used);
      }
    } finally {
      db.close();
    }
  });

  it("walks a tenant's list newest first on the partial index of non-deleted sessions, without sorting", async () => {
    const db = await planner();
    try {
      for (const page of [
        { limit: 100, offset: 10_000 },
        { limit: 100, afterKey: "sess_x" },
      ]) {
        const used = db.plan(listSql({ tenantId: "acme", nowMs: 0 }, page).rows);
        assert.match(used, /^SEARCH sessions USING INDEX sessions_listed \(tenant_id=\?( AND id<\?)?\)$/, used);
      }
    } finally {
      db.close();
    }
  });

  it("drops a count that falls to zero, so keys no session has any more do not pile up", async () => {
    const path = tempPath();
    const store = sqliteStore({ path });
    try {
      const r = makeRecord({ tenantId: "zeros" });
      await store.sessions.insert({ ...r, latestActivity: { ...r.latestActivity!, osName: "made-up-os-1" } }, { maxActivePerUser: null, nowMs: r.createdAt });
      await store.sessions.update(r.id, { status: "revoked", endReason: "revoked", endedAt: r.createdAt, revokedAt: r.createdAt }, r.version);
      const db = new Database(path, { readonly: true });
      const keys = (
        db.prepare("SELECT dimension, key FROM session_counts WHERE tenant_id = 'zeros' ORDER BY dimension, key").all() as { dimension: string; key: string }[]
      ).map((k) => `${k.dimension}:${k.key}`);
      db.close();
      assert.deepEqual(keys, ["status:revoked", "users:"], "no zero count for the active status, its place or its device");
    } finally {
      await store.close();
    }
  });

  it("fills the counts from the sessions already there when an older file migrates", async () => {
    const path = tempPath();
    const now = { maxActivePerUser: null, nowMs: T0 + 1000 };
    const records = [
      makeRecord({ tenantId: "old", userId: "ann", username: "Ann" }),
      makeRecord({ tenantId: "old", userId: "ann", username: "Annie" }),
      makeRecord({ tenantId: "old", userId: "bob", status: "pending" }),
      makeRecord({ tenantId: "old", userId: "cy", status: "revoked", endedAt: now.nowMs, endReason: "revoked" }),
      makeRecord({ tenantId: "old", userId: "dee", isDeleted: true, status: "revoked", endedAt: now.nowMs, endReason: "deleted" }),
      makeRecord({ tenantId: "other", userId: "ann" }),
    ];
    const store = sqliteStore({ path });
    for (const r of records) await store.sessions.insert(r, now);
    const expected = {
      stats: await store.sessions.stats(undefined, now.nowMs),
      old: await store.sessions.stats("old", now.nowMs),
      users: await store.sessions.users("old", now.nowMs, { limit: 10 }),
    };
    await store.close();
    // Back to schema 4: no counts, no triggers, the old tenant index.
    const db = new Database(path);
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER ${name}`);
    db.exec(
      "DROP TABLE session_counts; DROP TABLE online_users; DROP INDEX sessions_listed; CREATE INDEX sessions_by_tenant ON sessions (tenant_id, id); DELETE FROM schema_migrations WHERE version = 5",
    );
    db.close();
    const migrated = sqliteStore({ path });
    try {
      assert.deepEqual(await migrated.sessions.stats(undefined, now.nowMs), expected.stats);
      assert.deepEqual(await migrated.sessions.stats("old", now.nowMs), expected.old);
      assert.deepEqual(await migrated.sessions.users("old", now.nowMs, { limit: 10 }), expected.users);
      assert.deepEqual(
        [expected.old.activeSessions, expected.old.distinctUsers, expected.users.items.map((u) => [u.userId, u.username, u.activeSessions])],
        [2, 1, [["ann", "Annie", 2]]],
      );
    } finally {
      await migrated.close();
    }
  });

  it("answers verifies while a stats call over 100 000 sessions runs", { timeout: 120_000 }, async (t) => {
    const path = tempPath();
    const store = sqliteStore({ path });
    const sessions = createSessions({ store });
    try {
      const { token } = await sessions.create({ userId: "ann", tenantId: "busy" });
      // 100 000 sessions whose deadline passed without the sweeper writing it: stats has to look at each.
      const template = makeRecord({ tenantId: "busy", createdAt: Date.now() - 120_000, expireAt: Date.now() - 60_000, abandonAt: null });
      await store.sessions.insert(template, { maxActivePerUser: null, nowMs: Date.now() });
      const db = new Database(path);
      const columns = (db.prepare("SELECT name FROM pragma_table_info('sessions')").all() as { name: string }[]).map((c) => c.name);
      const values = columns.map((c) => (c === "id" ? "printf('sess_%026d', i)" : c === "user_id" ? "'user_' || (i % 5000)" : c));
      db.exec(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
        INSERT INTO sessions (${columns.join(", ")}) SELECT ${values.join(", ")} FROM n, sessions WHERE sessions.id = '${template.id}'`);
      db.close();

      let answered = 0;
      let done = false;
      const started = performance.now();
      const stats = sessions.stats({ tenantId: "busy" }).finally(() => (done = true));
      while (!done) {
        // Each verify arrives as its own event, as requests do: a loop of microtasks alone would starve every event.
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal((await sessions.verify(token)).valid, true);
        answered++;
      }
      const result = await stats;
      const ms = performance.now() - started;
      t.diagnostic(`${answered} verifies answered during a ${ms.toFixed(0)} ms stats call`);
      assert.deepEqual([result.activeSessions, result.byStatus.expired], [1, 100_001]);
      assert.ok(answered >= 10, `${answered} verifies answered during a ${ms.toFixed(0)} ms stats call`);
    } finally {
      await sessions.close();
    }
  });
});
