/**
 * One in-process create-and-revoke loop, run as its own process by the events scenario: the
 * library on a fresh store with event writing on (the default) or off (`events: false`, the
 * bench-only switch), so the ratio of the two is the outbox's cost. It counts the events the
 * store holds afterwards, so a switch that did nothing cannot pass for a free outbox.
 * Argument: a JSON job; output: one JSON line.
 */
import { createSessions, openStore } from "./sessiond.js";

export interface EventsLoopJob {
  events: boolean;
  /** A store URL of a fresh file, schema or prefix. */
  store: string;
  /** Loops in flight at once (1 for SQLite, whose driver is synchronous). */
  concurrency: number;
  warmupS: number;
  durationS: number;
}

export interface EventsLoopResult {
  /** Creates + revokes per second over the measured run. */
  opsPerSec: number;
  /** Latency of one create-then-revoke pair. */
  p50Ms: number;
  p99Ms: number;
  /** This process's CPU time per create or revoke over the measured run. */
  cpuUsPerOp: number;
  /** Every create and revoke made, warm-up included. */
  ops: number;
  /** Events the store holds at the end. */
  eventsStored: number;
  cpuMs: number;
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;
const cpuMsNow = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

async function main(job: EventsLoopJob): Promise<EventsLoopResult> {
  const store = await openStore(job.store);
  // `events: false` writes no event at all (no stamp reaches the store): the outbox's cost is on minus off.
  const sessions = createSessions({ store, events: job.events });
  let ops = 0;
  let measuring = false;
  const samples: number[] = [];
  const pair = async (user: string) => {
    const t = performance.now();
    const created = await sessions.create({ userId: user });
    await sessions.revoke(created.session.id);
    ops += 2;
    if (measuring) samples.push(performance.now() - t);
  };
  const loop = async (n: number, until: () => boolean) => {
    for (let i = 0; !until(); i++) await pair(`events-bench-${n}-${i % 100}`);
  };
  const warmEnd = performance.now() + job.warmupS * 1000;
  await Promise.all(Array.from({ length: job.concurrency }, (_, n) => loop(n, () => performance.now() >= warmEnd)));
  measuring = true;
  const opsBefore = ops;
  const cpuBefore = cpuMsNow();
  const started = performance.now();
  const end = started + job.durationS * 1000;
  await Promise.all(Array.from({ length: job.concurrency }, (_, n) => loop(n, () => performance.now() >= end)));
  const elapsed = performance.now() - started;
  const measuredOps = ops - opsBefore;
  const cpuUsPerOp = ((cpuMsNow() - cpuBefore) * 1000) / measuredOps;

  // Backends that number events in a relay (PostgreSQL) show them only once relayed.
  while ((await store.outbox.relay()) > 0);
  let eventsStored = 0;
  for (let after: string | null = null; ; ) {
    const page = await store.outbox.read({}, after, 500);
    eventsStored += page.items.length;
    if (page.items.length === 0) break;
    after = page.nextKey;
  }
  await sessions.close(); // closes the store too
  const sorted = Float64Array.from(samples).sort();
  return {
    opsPerSec: (measuredOps / elapsed) * 1000,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    cpuUsPerOp,
    ops,
    eventsStored,
    cpuMs: cpuMsNow(),
  };
}

if (process.argv[2] !== undefined) process.stdout.write(`${JSON.stringify(await main(JSON.parse(process.argv[2]) as EventsLoopJob))}\n`);
