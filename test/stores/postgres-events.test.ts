/**
 * What the shared outbox suite cannot show about PostgreSQL: numbering in commit order when a
 * write that started first commits last, an event rolled back with its change, relays taking
 * turns, the SQL twin of eventId, and the snapshot type matching the sessions table.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import pg from "pg";
import { isSessiondError } from "../../src/core/errors.js";
import { type EventStamp, eventId, newEventStamp, SYSTEM } from "../../src/core/events.js";
import type { ActivityChangeSet, SessionRecord } from "../../src/core/model.js";
import { newId, systemRandom } from "../../src/core/session-token.js";
import type { SessionEvent } from "../../src/core/events.js";
import { eventIdSql, SNAPSHOT_COLUMNS } from "../../src/stores/postgres/event-writes.js";
import { type PostgresStore, postgresStore } from "../../src/stores/postgres/index.js";
import { makeRecord, T0 } from "../conformance/fixtures.js";
import { dropSchema, freshSchema, POSTGRES_URL, postgresSkip } from "../support/services.js";

const skip = await postgresSkip();
const noLimit = { maxActivePerUser: null, nowMs: T0 };
const stamp = (): EventStamp => newEventStamp(systemRandom, T0, SYSTEM);

/** An activity write for `record` at `at` that reports a changed address. */
function activityAt(record: SessionRecord, at: number): ActivityChangeSet {
  return {
    lastActiveAt: at,
    expireAt: record.expireAt,
    abandonAt: record.abandonAt,
    location: record.location,
    latestActivity: { ...record.latestActivity!, id: newId("sact", at, systemRandom), at, changed: ["ip"] },
  };
}

/** Every readable event after `key`, and the position after them. */
async function readAll(store: PostgresStore, key: string | null = null): Promise<{ events: SessionEvent[]; key: string | null }> {
  const events: SessionEvent[] = [];
  for (;;) {
    const page = await store.outbox.read({}, key, 100);
    events.push(...page.items);
    if (page.nextKey === key) return { events, key };
    key = page.nextKey;
  }
}

describe("PostgreSQL outbox specifics", { skip }, () => {
  const schema = freshSchema();
  let store: PostgresStore;
  /** Another connection on the same schema: the transaction a test holds open. */
  let other: pg.Client;

  before(async () => {
    store = await postgresStore({ url: POSTGRES_URL, schema, poolSize: 4 });
    other = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path="${schema}"` });
    await other.connect();
  });
  after(async () => {
    await other.end();
    await store.close();
    await dropSchema(schema);
  });

  /** Resolves once a statement of the store waits on a lock `other` holds. */
  async function untilBlockedByOther(): Promise<void> {
    const pid = (await other.query("SELECT pg_backend_pid() AS pid")).rows[0].pid as number;
    const observer = new pg.Client({ connectionString: POSTGRES_URL });
    await observer.connect();
    try {
      for (let i = 0; i < 500; i++) {
        const { rows } = await observer.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))", [pid]);
        if (rows[0].n > 0) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail("the store never waited on the held lock");
    } finally {
      await observer.end();
    }
  }

  /**
   * Starts an insert that stores its session and event, then waits, before committing, on an
   * activity id `other` has inserted in an open transaction.
   */
  async function insertHeldOpen(): Promise<{ id: string; done: Promise<unknown> }> {
    const record = makeRecord();
    await other.query("BEGIN");
    await other.query("INSERT INTO activities (id, session_id, data) VALUES ($1, 'held', '{}')", [record.latestActivity!.id]);
    const done = store.sessions.insert(record, noLimit, undefined, stamp()).then(
      () => "committed",
      (error: unknown) => error,
    );
    await untilBlockedByOther();
    return { id: record.id, done };
  }

  it("numbers an event whose write began first but committed last after the events a reader has passed, so it is read, not skipped", async () => {
    const start = await readAll(store);
    const held = await insertHeldOpen();
    const later = makeRecord();
    await store.sessions.insert(later, noLimit, undefined, stamp());
    assert.equal(await store.outbox.relay(), 1, "the uncommitted event is not numbered");
    const first = await readAll(store, start.key);
    assert.deepEqual(
      first.events.map((e) => e.sessionId),
      [later.id],
    );
    await other.query("ROLLBACK"); // the held insert goes on and commits
    assert.equal(await held.done, "committed");
    assert.equal(await store.outbox.relay(), 1);
    const second = await readAll(store, first.key);
    assert.deepEqual(
      second.events.map((e) => [e.type, e.sessionId]),
      [["session.created", held.id]],
    );
  });

  it("rolls an event back with its change: a write that fails after storing its event leaves neither", async () => {
    const start = await readAll(store);
    const held = await insertHeldOpen();
    await other.query("COMMIT"); // the held insert now meets a duplicate activity id and fails
    const outcome = await held.done;
    assert.ok(isSessiondError(outcome, "conflict"), `a conflict, not ${String(outcome)}`);
    assert.equal(await store.sessions.get(held.id), null);
    await store.outbox.relay();
    assert.deepEqual((await readAll(store, start.key)).events, []);
  });

  it("waits for a running relay instead of returning early, so events committed before the call are readable after it", async () => {
    const start = await readAll(store);
    const record = makeRecord();
    await store.sessions.insert(record, noLimit, undefined, stamp());
    await other.query("BEGIN");
    await other.query("SELECT pg_advisory_xact_lock(hashtextextended('sessiond outbox relay ' || current_schema(), 7420))");
    let settled = false;
    const relayed = store.outbox.relay().finally(() => (settled = true));
    await untilBlockedByOther();
    assert.equal(settled, false);
    await other.query("COMMIT");
    assert.equal(await relayed, 1);
    assert.deepEqual(
      (await readAll(store, start.key)).events.map((e) => e.sessionId),
      [record.id],
    );
  });

  it("orders a write after a change it waited for: its events are placed once every row it changes is written", async () => {
    const sessions = [makeRecord(), makeRecord()];
    for (const r of sessions) await store.sessions.insert(r, noLimit);
    await other.query("BEGIN");
    await other.query("SELECT 1 FROM sessions WHERE id = $1 FOR UPDATE", [sessions[1]!.id]);
    const stamps = sessions.map(() => stamp());
    const writes = sessions.map((r, i) => ({ id: r.id, change: activityAt(r, T0 + 1000), event: stamps[i]! }));
    const done = store.sessions.recordActivities!(writes, 10);
    await untilBlockedByOther();
    // What a change of the held session committed meanwhile would take: the batch's events must come after it.
    const meanwhile = Number((await other.query("SELECT nextval('event_writes') AS v")).rows[0].v);
    await other.query("COMMIT");
    assert.deepEqual(await done, [true, true]);
    const { rows } = await other.query("SELECT written FROM events WHERE id = ANY($1)", [stamps.map((s) => eventId(s.idBase, 0))]);
    assert.equal(rows.length, 2);
    for (const row of rows) assert.ok(Number(row.written) > meanwhile, `written ${row.written} after ${meanwhile}`);
    await store.outbox.relay();
  });

  it("names the events of a many-session write in SQL exactly as eventId does", async () => {
    const base = stamp().idBase;
    const { rows } = await other.query(`SELECT ${eventIdSql("$1::text", "n")} AS id FROM generate_series(0, 32767) AS n ORDER BY n`, [base]);
    assert.equal(rows.length, 32768);
    for (const [n, row] of rows.entries()) assert.equal(row.id, eventId(base, n), `n = ${n}`);
    const start = await readAll(store);
    const records = Array.from({ length: 40 }, () => makeRecord({ userId: "many" }));
    for (const r of records) await store.sessions.insert(r, noLimit);
    const revokeAll = stamp();
    const ended = await store.sessions.endMany(
      { tenantId: "acme", userId: "many", nowMs: T0 },
      { status: "revoked", endReason: "revoked", atMs: T0 + 1 },
      revokeAll,
    );
    assert.equal(ended.length, 40);
    await store.outbox.relay();
    const events = (await readAll(store, start.key)).events;
    assert.deepEqual(
      events.map((e) => e.id),
      Array.from({ length: 40 }, (_, n) => eventId(revokeAll.idBase, n)),
      "one write's events are read in the order of their ids",
    );
  });

  it("keeps the snapshot type in step with the sessions table: every column but the secret digests, in order", async () => {
    const columns = async (relation: string) =>
      (
        await other.query("SELECT attname FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped ORDER BY attnum", [
          `"${schema}".${relation}`,
        ])
      ).rows.map((r) => r.attname as string);
    const sessions = (await columns("sessions")).filter((c) => c !== "secret_hash" && c !== "superseded_secrets");
    assert.deepEqual(await columns("event_session"), sessions);
    assert.deepEqual([...SNAPSHOT_COLUMNS], sessions);
  });

  it("purges events nothing has relayed yet, so the retention holds without a reader", async () => {
    await store.outbox.purge(Number.MAX_SAFE_INTEGER, 10_000);
    for (let i = 0; i < 3; i++) await store.sessions.insert(makeRecord(), { maxActivePerUser: null, nowMs: T0 + i }, undefined, stamp());
    const unnumbered = async () => (await other.query("SELECT count(*)::int AS n FROM events WHERE seq IS NULL")).rows[0].n as number;
    assert.equal(await unnumbered(), 3);
    assert.equal(await store.outbox.purge(T0 + 2, 10), 2);
    assert.equal(await unnumbered(), 1);
    assert.equal(await store.outbox.relay(), 1);
  });
});
