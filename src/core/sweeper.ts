/**
 * The sweep loop of `Sessions.sweep`: the store's session role writes one bounded batch at a
 * time (src/stores/<backend>/sweeper.ts); this runs batches until nothing is left, paced when
 * it shares its process with verify traffic.
 */
import { setImmediate as yieldToEventLoop, setTimeout as sleep } from "node:timers/promises";
import type { ServiceContext } from "./context.js";
import { stampFor } from "./event-stamps.js";
import { SYSTEM } from "./events.js";
import type { SweepResult } from "./store/index.js";

/** A paced sweep's first and smallest batches. */
const PACED_FIRST_BATCH = 100;
const PACED_MIN_BATCH = 10;
/**
 * A paced sweep rests this many times as long as each batch ran, so it takes at most a third of
 * the event loop. Measured under a 1 M purge at 8 connections (bench scale scenario): with an
 * equal rest verify p50 was 3.6× idle and throughput 0.36×; with twice the rest, 1.47× and
 * 0.54×, the purge taking 119 s instead of 88 s. The p99 (3.2× idle either way) is a batch's
 * own run time on the event loop, which resting does not change.
 */
const PACED_REST_PER_BATCH = 2;

/** Options of a sweep (see `Sessions.sweep`). */
export interface SweepOptions {
  maxBatches?: number;
  onBatch?: (total: SweepResult) => void;
  /**
   * Paces a sweep that shares its process with verify traffic: each batch is sized to take about
   * that long (SQLite's batches run on the event loop, so a verify waits at most about one batch),
   * between 10 sessions and `sweepBatchSize`, and is followed by a rest twice as long.
   */
  batchBudgetMs?: number;
}

/**
 * Writes passed deadlines and purges sessions ended longer than the retention ago, in batches
 * until nothing is left (or `maxBatches` ran). Between batches, waiting I/O runs.
 */
export async function sweepInBatches(ctx: ServiceContext, options: SweepOptions): Promise<SweepResult> {
  const total: SweepResult = { expired: 0, abandoned: 0, purged: 0 };
  const { sweepBatchSize, retentionMs } = ctx.settings;
  // Queued activity may have moved a deadline this sweep would otherwise write as passed.
  await ctx.activity?.flush();
  const budget = options.batchBudgetMs;
  let limit = budget === undefined ? sweepBatchSize : Math.min(sweepBatchSize, PACED_FIRST_BATCH);
  for (let batch = 0; batch < (options.maxBatches ?? Infinity); batch++) {
    const now = ctx.clock.now();
    const started = performance.now();
    const done = await ctx.sessions.sweep(now, now - retentionMs, limit, stampFor(ctx, SYSTEM));
    const tookMs = performance.now() - started;
    total.expired += done.expired;
    total.abandoned += done.abandoned;
    total.purged += done.purged;
    options.onBatch?.({ ...total });
    if (done.expired + done.abandoned < limit && done.purged < limit) break;
    if (budget === undefined) {
      await yieldToEventLoop();
      continue;
    }
    // At most doubling or halving per batch, so one slow fsync does not swing the size.
    limit = Math.round(Math.min(sweepBatchSize, Math.max(PACED_MIN_BATCH, limit * Math.min(2, Math.max(0.5, budget / Math.max(tookMs, 0.01))))));
    // Then rest: requests that queued behind a batch are answered before the next one starts.
    await sleep(Math.max(1, Math.round(tookMs * PACED_REST_PER_BATCH)));
  }
  return total;
}
