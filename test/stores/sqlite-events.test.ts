/**
 * The SQLite outbox beyond the shared suite (issue 16): events are numbered in commit order by
 * the writer's IMMEDIATE transaction, so readers see each event exactly once even while other
 * processes commit (two handles in one process never interleave their transactions: better-
 * sqlite3 is synchronous); a write and its events commit or vanish together, also under
 * kill -9; positions survive purges; and every read and purge searches an index.
 */
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { SYSTEM, newEventStamp } from "../../src/core/events.js";
import { isSessiondError } from "../../src/core/errors.js";
import { systemRandom } from "../../src/core/session-token.js";
import type { Store } from "../../src/core/store/index.js";
import { sqliteStore } from "../../src/stores/sqlite/index.js";
import { POSITION_AT_SQL, PURGE_SQL, readSql } from "../../src/stores/sqlite/outbox.js";
import { DUE_SQL } from "../../src/stores/sqlite/webhooks.js";
import { T0, makeRecord } from "../conformance/fixtures.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const module = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);
const tempPath = () => join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-events-")), "s.db");
const stamp = () => newEventStamp(systemRandom, T0, SYSTEM);

/**
 * Another process that creates sessions (up to 3 per user, so some creates also remove one)
 * and revokes every other one, each with its events; `changes` 0 writes until it is killed.
 */
function writer(path: string, changes: number, name: string): ChildProcess {
  const program = `
    import { sqliteStore } from ${module("src/stores/sqlite/index.ts")};
    import { makeRecord, T0 } from ${module("test/conformance/fixtures.ts")};
    import { newEventStamp, SYSTEM } from ${module("src/core/events.ts")};
    import { systemRandom } from ${module("src/core/session-token.ts")};
    const store = sqliteStore({ path: ${JSON.stringify(path)}, busyTimeoutMs: 30000 });
    const stamp = () => newEventStamp(systemRandom, T0, SYSTEM);
    for (let i = 0; ${changes} === 0 || i < ${changes}; i++) {
      const r = makeRecord({ userId: "u" + (i % 5), createdAt: T0 });
      await store.sessions.insert(r, { maxActivePerUser: 3, nowMs: T0 + i }, undefined, stamp());
      if (i % 2 === 1) continue;
      const end = { status: "revoked", endReason: "revoked", revokedAt: T0 + i, endedAt: T0 + i, updatedAt: T0 + i };
      // The other writer may have removed it meanwhile (its limit): then the revoke loses its condition.
      await store.sessions.update(r.id, end, 1, undefined, stamp()).catch((e) => { if (e.code !== "conflict") throw e; });
    }
    await store.close();
    process.stdout.write(${JSON.stringify(name)} + " done");`;
  return spawn(process.execPath, ["--import", TSX, "--input-type=module", "-e", program], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
}

async function finished(child: ChildProcess): Promise<void> {
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  assert.equal(code, 0, stderr);
}

/** Every stored event id, in seq order, straight from the file. */
function storedIds(path: string): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare("SELECT id FROM events ORDER BY seq").all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

async function readAll(store: Store, from: string | null): Promise<{ ids: string[]; key: string | null }> {
  const ids: string[] = [];
  let key = from;
  for (;;) {
    const page = await store.outbox.read({}, key, 50);
    ids.push(...page.items.map((e) => e.id));
    if (page.nextKey === key) return { ids, key };
    key = page.nextKey;
  }
}

describe("sqlite outbox", () => {
  it("hands a paging reader every event exactly once while two other processes commit", async () => {
    const path = tempPath();
    const reader = sqliteStore({ path });
    try {
      const writers = [writer(path, 150, "a"), writer(path, 150, "b")];
      const done = Promise.all(writers.map(finished));
      let writing = true;
      void done.finally(() => (writing = false));
      const seen: string[] = [];
      let key: string | null = null;
      for (;;) {
        const stillWriting = writing;
        const page = await reader.outbox.read({}, key, 25);
        seen.push(...page.items.map((e) => e.id));
        key = page.nextKey;
        if (!stillWriting && page.items.length === 0) break;
        if (page.items.length === 0) await sleep(2);
      }
      await done;
      const stored = storedIds(path);
      assert.ok(stored.length >= 300, `every create has an event: ${stored.length}`);
      assert.equal(new Set(seen).size, seen.length, "no event twice");
      assert.deepEqual(seen, stored, "every event, in commit order");
    } finally {
      await reader.close();
    }
  });

  it("keeps each write and its events together when its process is killed mid-load, and numbers on after the restart", async () => {
    const path = tempPath();
    const child = writer(path, 0, "endless");
    const watcher = sqliteStore({ path });
    try {
      for (let i = 0; i < 600 && (await readAll(watcher, null)).ids.length < 200; i++) await sleep(50);
      child.kill("SIGKILL");
      await once(child, "exit");
      const db = new Database(path, { readonly: true });
      const sessions = db.prepare("SELECT id, status, version FROM sessions").all() as { id: string; status: string; version: number }[];
      const events = db
        .prepare("SELECT type, json_extract(body, '$.record.id') AS session, json_extract(body, '$.record.version') AS version FROM events ORDER BY seq")
        .all() as { type: string; session: string; version: number }[];
      db.close();
      assert.ok(sessions.length >= 100, `enough load: ${sessions.length} sessions`);
      const ofSession = new Map<string, typeof events>();
      for (const e of events) ofSession.set(e.session, [...(ofSession.get(e.session) ?? []), e]);
      assert.equal(ofSession.size, sessions.length, "no event without its session, no session without its events");
      const ended = { revoked: "session.revoked", removed: "session.removed" } as Record<string, string>;
      for (const s of sessions) {
        const own = ofSession.get(s.id)!.map((e) => e.type);
        assert.deepEqual(own, s.status === "active" ? ["session.created"] : ["session.created", ended[s.status]], `${s.id} (${s.status})`);
        assert.equal(ofSession.get(s.id)!.at(-1)!.version, s.version, "the last event holds the session as stored");
      }
      const before = await readAll(watcher, null);
      await watcher.sessions.insert(makeRecord(), { maxActivePerUser: null, nowMs: T0 }, undefined, stamp());
      assert.equal((await readAll(watcher, before.key)).ids.length, 1, "the next event is numbered after every earlier one");
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await watcher.close();
    }
  });

  it("rolls a write's events back with it: a create that fails after replacing a session leaves both as they were", async () => {
    const store = sqliteStore({ path: tempPath() });
    try {
      const old = makeRecord({ userId: "u" });
      const taken = makeRecord({ userId: "u" });
      await store.sessions.insert(old, { maxActivePerUser: null, nowMs: T0 });
      await store.sessions.insert(taken, { maxActivePerUser: null, nowMs: T0 });
      await assert.rejects(store.sessions.insert(taken, { maxActivePerUser: null, nowMs: T0 }, old.id, stamp()), (e) => isSessiondError(e, "conflict"));
      assert.equal((await store.sessions.get(old.id))!.status, "active");
      assert.deepEqual((await readAll(store, null)).ids, []);
    } finally {
      await store.close();
    }
  });

  it("commits a sweep batch that writes events with synchronous=FULL, relaxing it only for batches without events", async () => {
    const store = sqliteStore({ path: tempPath() });
    const db = (store as unknown as { conn: { db: InstanceType<typeof Database> } }).conn.db;
    const levels: string[] = [];
    const pragma = db.pragma.bind(db);
    db.pragma = ((source: string, options?: { simple?: boolean }) => {
      if (source.startsWith("synchronous =")) levels.push(source);
      return pragma(source, options);
    }) as typeof db.pragma;
    try {
      await store.sessions.insert(makeRecord({ expireAt: T0 + 10, abandonAt: null }), { maxActivePerUser: null, nowMs: T0 });
      await store.sessions.sweep(T0 + 20, 0, 10, stamp());
      assert.deepEqual(levels, [], "deadlines with events: no relaxing");
      assert.equal((await readAll(store, null)).ids.length, 1);
      await store.sessions.sweep(T0 + 30, 0, 10, stamp());
      await store.sessions.insert(makeRecord({ expireAt: T0 + 10, abandonAt: null }), { maxActivePerUser: null, nowMs: T0 });
      await store.sessions.sweep(T0 + 40, 0, 10);
      assert.deepEqual(levels, ["synchronous = NORMAL", "synchronous = FULL", "synchronous = NORMAL", "synchronous = FULL"], "nothing due, or no events");
    } finally {
      db.pragma = pragma;
      await store.close();
    }
  });

  it("never numbers an event below a position handed out, however much a purge deletes", async () => {
    const store = sqliteStore({ path: tempPath() });
    try {
      for (let i = 0; i < 3; i++) await store.sessions.insert(makeRecord(), { maxActivePerUser: null, nowMs: T0 }, undefined, stamp());
      const { key } = await readAll(store, null);
      assert.equal(await store.outbox.purge(T0 + 1, 10), 2, "all but the newest, which holds the numbering");
      const newer = stamp();
      await store.sessions.insert(makeRecord(), { maxActivePerUser: null, nowMs: T0 }, undefined, newer);
      assert.deepEqual((await readAll(store, key)).ids, [`${newer.idBase}000`]);
    } finally {
      await store.close();
    }
  });

  it("reads, finds positions, purges and finds due deliveries by index, never by a sort or a walk of the table", async () => {
    const path = tempPath();
    await sqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    const plan = (sql: string, params: Record<string, unknown>) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join("; ");
    try {
      const expected: [Parameters<typeof readSql>[0], RegExp][] = [
        [{}, /SEARCH events USING INTEGER PRIMARY KEY \(rowid>\?\)/],
        [{ types: ["session.ended"] }, /SEARCH events USING INTEGER PRIMARY KEY \(rowid>\?\)/],
        [{ tenantId: "acme" }, /SEARCH events USING INDEX events_by_tenant \(tenant_id=\? AND rowid>\?\)/],
        [{ tenantId: "acme", types: ["session.ended", "session.revoked"] }, /SEARCH events USING INDEX events_by_tenant \(tenant_id=\? AND rowid>\?\)/],
        [{ userId: "ann" }, /SEARCH events USING INTEGER PRIMARY KEY \(rowid>\?\)/],
        [{ tenantId: "acme", userId: "ann" }, /SEARCH events USING INDEX events_by_tenant \(tenant_id=\? AND rowid>\?\)/],
      ];
      for (const [filter, index] of expected) {
        const { rows, newest } = readSql(filter, 0, 10);
        const used = plan(rows.sql, rows.params);
        assert.match(used, index, `${JSON.stringify(filter)}: ${used}`);
        assert.doesNotMatch(used, /TEMP B-TREE|SCAN events/, `${JSON.stringify(filter)}: ${used}`);
        assert.doesNotMatch(plan(newest.sql, newest.params), /SCAN events/);
      }
      assert.match(plan(POSITION_AT_SQL, { time: 0 }), /SEARCH events USING COVERING INDEX events_by_time \(timestamp>\?\)/);
      assert.match(plan(PURGE_SQL, { before: 0, limit: 10 }), /SEARCH events USING COVERING INDEX events_by_time \(timestamp<\?\)/);
      const due = plan(DUE_SQL, { endpointId: "whe_1", now: 0, limit: 10 });
      assert.match(due, /SEARCH webhook_queue USING INDEX webhook_queue_due \(endpoint_id=\? AND due_at<\?\)/, due);
      assert.doesNotMatch(due, /TEMP B-TREE/, due);
    } finally {
      db.close();
    }
  });
});
