import assert from "node:assert/strict";
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isSessiondError } from "../../src/core/errors.js";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { SqliteStore } from "../../src/stores/sqlite/index.js";
import { SQLITE_SCHEMA_VERSION, sqliteStore } from "../../src/stores/sqlite/index.js";
import Database from "better-sqlite3";
import { listSql } from "../../src/stores/sqlite/sessions.js";
import { SWEEP_SQL } from "../../src/stores/sqlite/sweeper.js";
import { makeRecord } from "../conformance/fixtures.js";
import { describeStore } from "../conformance/store.js";

const paths = new WeakMap<object, string>();
describeStore("sqlite", {
  open: async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-")), "s.db");
    const store = sqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  openPeer: async (first) => sqliteStore({ path: paths.get(first as SqliteStore)! }),
});

describe("sqlite specifics", () => {
  it("answers store_unavailable when the database file cannot be created", () => {
    const dir = mkdtempSync(join(tmpdir(), "sessiond-sqlite-"));
    writeFileSync(join(dir, "blocker"), "a file where a folder should be");
    assert.throws(
      () => sqliteStore({ path: join(dir, "blocker", "s.db") }),
      (e) => isSessiondError(e, "store_unavailable"),
    );
  });

  it("creates its data directory 0700 and the database, -wal and -shm files 0600 whatever the umask; an operator's directory keeps its mode", async () => {
    const root = mkdtempSync(join(tmpdir(), "sessiond-sqlite-"));
    const mode = (path: string) => statSync(path).mode & 0o777;
    for (const umask of [0o000, 0o022, 0o277]) {
      const previous = process.umask(umask);
      try {
        const dir = join(root, `u${umask.toString(8)}`, "data");
        const store = sqliteStore({ path: join(dir, "sessiond.db") });
        await store.sessions.insert(makeRecord(), { maxActivePerUser: null, nowMs: Date.now() });
        assert.equal(mode(dir), 0o700, `data directory, umask ${umask.toString(8)}`);
        assert.equal(mode(dirname(dir)), 0o700, "a missing parent it created too");
        for (const file of ["sessiond.db", "sessiond.db-wal", "sessiond.db-shm"])
          assert.equal(mode(join(dir, file)), 0o600, `${file}, umask ${umask.toString(8)}`);
        await store.close();
      } finally {
        process.umask(previous);
      }
    }
    const operators = join(root, "operators");
    mkdirSync(operators, { mode: 0o750 });
    chmodSync(operators, 0o750);
    const store = sqliteStore({ path: join(operators, "s.db") });
    assert.equal(mode(operators), 0o750, "an existing directory is the operator's choice");
    assert.equal(mode(join(operators, "s.db")), 0o600);
    await store.close();
  });

  it("migrates a new file once however many handles open it, and reports each step to an explicit migrate", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-")), "s.db");
    const fresh = sqliteStore({ path, migrate: false });
    await assert.rejects(fresh.sessions.get("sess_0000000000000000000000000000zz"), (e) => isSessiondError(e, "store_unavailable"));
    const steps: number[] = [];
    assert.deepEqual(await fresh.migrate((s) => steps.push(s.version)), { version: SQLITE_SCHEMA_VERSION, applied: steps });
    assert.equal(steps.length, SQLITE_SCHEMA_VERSION);
    const others = Array.from({ length: 4 }, () => sqliteStore({ path }));
    assert.deepEqual(await others[0]!.migrate(), { version: SQLITE_SCHEMA_VERSION, applied: [] });
    await Promise.all([fresh, ...others].map((s) => s.close()));
  });

  it("reads a user's list page and total through the user index, never by walking the tenant (O(that user's sessions))", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-")), "s.db");
    await sqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const plan = (sql: string, params: Record<string, unknown>) =>
        (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[]).map((r) => r.detail).join("; ");
      for (const page of [{ limit: 20 }, { limit: 20, afterKey: "sess_x" }]) {
        const sql = listSql({ tenantId: "default", userId: "ann", nowMs: 0 }, page);
        for (const { sql: text, params } of [sql.count, sql.rows]) {
          const used = plan(text, params);
          assert.match(used, /USING (COVERING )?INDEX sessions_by_user \(tenant_id=\? AND user_id=\?/, `${text}: ${used}`);
          assert.doesNotMatch(used, /TEMP B-TREE/, `no sort of the user's rows: ${used}`);
        }
      }
    } finally {
      db.close();
    }
  });

  it("finds what the sweeper has to do by searching its partial indexes, never by walking the live sessions", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-")), "s.db");
    await sqliteStore({ path }).close();
    const db = new Database(path, { readonly: true });
    try {
      const expected = {
        passedExpiry: "sessions_live_expire (expire_at<?)",
        passedInactivity: "sessions_live_abandon (abandon_at>? AND abandon_at<?)",
        purgeable: "sessions_ended (ended_at<?)",
      };
      for (const [name, sql] of Object.entries(SWEEP_SQL)) {
        const used = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ now: 0, before: 0, limit: 10 }) as { detail: string }[]).map((r) => r.detail).join("; ");
        assert.equal(used, `SEARCH sessions USING INDEX ${expected[name as keyof typeof expected]}`, name);
      }
    } finally {
      db.close();
    }
  });

  it("commits every write with synchronous=FULL, relaxing it only inside a sweep batch", async () => {
    const store = sqliteStore({ path: join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-")), "s.db") });
    const db = (store as unknown as { conn: { db: InstanceType<typeof Database> } }).conn.db;
    const synchronous = () => db.pragma("synchronous", { simple: true });
    try {
      assert.equal(synchronous(), 2, "FULL");
      await store.sessions.sweep(Date.now(), 0, 10);
      assert.equal(synchronous(), 2, "FULL again after a sweep");
    } finally {
      await store.close();
    }
  });
});
