/**
 * Bulk seeding through each store's own insert (so rows, keys and indexes are exactly what
 * sessiond writes), made fast the way each backend allows: SQLite batches many inserts in
 * one outer transaction, PostgreSQL and Redis keep many inserts in flight.
 */
import type { Database } from "better-sqlite3";
import pg from "pg";
import { postgresStore, redisStore, sqliteStore, type Store } from "./sessiond.js";
import type { Population } from "./population.js";

export interface Seeded {
  count: number;
  ms: number;
}

const activation = { maxActivePerUser: null, nowMs: Date.now() };
const SQLITE_BATCH = 50_000;

function progress(label: string, done: number, total: number, started: number): void {
  if (total < 1_000_000 || done % 1_000_000 !== 0) return;
  const s = (performance.now() - started) / 1000;
  process.stderr.write(`  seeding ${label}: ${done.toLocaleString("en")}/${total.toLocaleString("en")} (${Math.round(done / s)}/s)\n`);
}

/** Inserts sessions `from`..`to`-1; SQLite's inserts run synchronously inside one outer transaction per batch. */
export async function seedSqlite(path: string, population: Population, from: number, to: number): Promise<Seeded> {
  const store = sqliteStore({ path });
  // Bench-only reach into the store's connection: its insert nests as a savepoint in our transaction,
  // and this connection alone skips the fsync per commit (the server opens the file with its own settings).
  const db = (store as unknown as { conn: { db: Database } }).conn.db;
  db.pragma("synchronous = OFF");
  db.pragma("cache_size = -1048576");
  const started = performance.now();
  const failures: unknown[] = [];
  const batch = db.transaction((lo: number, hi: number) => {
    for (let i = lo; i < hi; i++) store.sessions.insert(population.record(i), activation).catch((error: unknown) => failures.push(error));
  });
  for (let lo = from; lo < to; lo += SQLITE_BATCH) {
    batch.immediate(lo, Math.min(to, lo + SQLITE_BATCH));
    await Promise.resolve(); // let the rejections of this batch land before checking
    if (failures.length > 0) throw failures[0];
    progress(path, Math.min(to, lo + SQLITE_BATCH) - from, to - from, started);
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  await store.close();
  return { count: to - from, ms: performance.now() - started };
}

/**
 * Keeps `inFlight` inserts running against a shared store until `from`..`to`-1 are in, one
 * session of each user in turn: inserts for one user take a per-user lock (PostgreSQL), so
 * consecutive sessions of a user in flight together would only wait for each other.
 */
async function seedConcurrently(store: Store, label: string, population: Population, from: number, to: number, inFlight: number): Promise<Seeded> {
  const started = performance.now();
  const perUser = population.options.perUser;
  const users = (to - from) / perUser;
  const nth = Number.isInteger(users) && from % perUser === 0 ? (k: number) => from + (k % users) * perUser + Math.floor(k / users) : (k: number) => from + k;
  let claimed = 0;
  let finished = 0;
  const worker = async () => {
    while (claimed < to - from) {
      await store.sessions.insert(population.record(nth(claimed++)), activation);
      progress(label, ++finished, to - from, started);
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    await store.close();
  }
  return { count: to - from, ms: performance.now() - started };
}

/**
 * After the bulk load, VACUUM ANALYZE and CHECKPOINT: what autovacuum and the checkpointer
 * would otherwise do in the middle of the measurements (on a slow disk, commits then wait).
 */
export async function seedPostgres(url: string, schema: string, population: Population, from: number, to: number): Promise<Seeded> {
  const seeded = await seedConcurrently(await postgresStore({ url, schema, poolSize: 32 }), `postgres ${schema}`, population, from, to, 128);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`VACUUM (ANALYZE) "${schema}".sessions, "${schema}".activities`);
    await client.query("CHECKPOINT").catch(() => undefined); // needs a superuser; without one, the checkpointer's own pace
  } finally {
    await client.end();
  }
  return seeded;
}

export async function seedRedis(url: string, prefix: string, population: Population, from: number, to: number): Promise<Seeded> {
  const store = redisStore({ url, prefix, retentionMs: 30 * 86_400_000, commandTimeoutMs: 30_000 });
  await store.migrate();
  return seedConcurrently(store, `redis ${prefix}`, population, from, to, 256);
}
