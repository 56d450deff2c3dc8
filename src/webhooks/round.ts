/**
 * One round at one endpoint whose lease this server holds: the due retries and the next window
 * of new events, sent concurrently; then each failure queued for its next attempt (or marked
 * failed after the last), every attempt logged, and the cursor moved past the window.
 */
import { toEvent } from "../core/events.js";
import { newId, type RandomSource } from "../core/session-token.js";
import type { DeliveryAttempt, EventFilter, ScheduledDelivery, Store, WebhookEndpointRecord } from "../core/store/index.js";
import { wireEvent } from "../http/wire.js";
import { type AttemptContext, type AttemptJob, isSentTo, sendAttempt } from "./attempt.js";
import type { DeliveryResult } from "./deliver.js";
import { changeEndpoint, holdsLease } from "./lease.js";
import { LOGOUT_EVENT_TYPES } from "./logout-token.js";
import { endpointPauseMs, retryDelayMs } from "./retry-schedule.js";

/** What the dispatcher counts for its metrics; only grows. */
export interface DispatchCounts {
  /** Attempts answered with a 2xx. */
  delivered: number;
  /** Deliveries given up on after the last attempt of the schedule. */
  failed: number;
  /** Attempts after the first of their event. */
  retries: number;
  /** Attempts that failed (each retried later, or the last). */
  failedAttempts: number;
}

/** A failed attempt, for the log: ids only, never the URL, a secret or a token. */
export interface AttemptFailure {
  endpointId: string;
  eventId: string;
  attempt: number;
  status: number | null;
  error: string | null;
  final: boolean;
}

export interface RoundContext {
  store: Pick<Store, "outbox" | "webhooks">;
  holder: string;
  leaseMs: number;
  retryScheduleMs: readonly number[];
  /** In [0, 1), for the jitter. */
  jitter(): number;
  random: RandomSource;
  windowSize: number;
  concurrency: number;
  logRetentionMs: number;
  disableAfterMs: number;
  counts: DispatchCounts;
  onFailure(failure: AttemptFailure): void;
  onDisabled(endpointId: string): void;
  attempt: AttemptContext;
}

export type RoundResult = "busy" | "idle" | "lost";

/** An event type that nothing in the outbox has, to read no event while still moving the cursor. */
const NO_FEED_EVENT = ["webhook.test"];
/** With `due`, every queued delivery whatever its time: a receiver back from an outage gets its backlog now. */
const EVERYTHING_QUEUED = Number.MAX_SAFE_INTEGER;

/** Which feed events an endpoint reads: its tenant (null: all) and the types it hears. */
export function endpointFilter(endpoint: WebhookEndpointRecord): EventFilter {
  let types = endpoint.eventTypes.filter((t) => t !== "webhook.test");
  if (endpoint.format === "oidc_backchannel_logout")
    types = (endpoint.eventTypes.length === 0 ? [...LOGOUT_EVENT_TYPES] : types).filter((t) => LOGOUT_EVENT_TYPES.has(t as never));
  // An endpoint that hears only tests (or nothing an end is) still moves through the feed.
  if (types.length === 0 && (endpoint.eventTypes.length > 0 || endpoint.format === "oidc_backchannel_logout")) types = NO_FEED_EVENT;
  return endpoint.tenantId === null ? { types } : { tenantId: endpoint.tenantId, types };
}

async function inPool<T, R>(items: readonly T[], limit: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await run(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs one round. `recovering`: the last round was a probe that succeeded after an outage, so
 * the queued backlog is sent now rather than on its schedule. Returns "busy" when it sent or
 * moved something, "idle" when there was nothing to do, "lost" when the lease is gone.
 */
export async function runRound(ctx: RoundContext, endpointId: string, recovering: boolean): Promise<{ result: RoundResult; recovered: boolean }> {
  const { webhooks, outbox } = ctx.store;
  const startedAt = ctx.attempt.now();
  const endpoint = await webhooks.get(endpointId);
  if (endpoint === null || endpoint.disabled || !holdsLease(endpoint, ctx.holder, startedAt)) return { result: "lost", recovered: false };
  if (endpoint.dispatch.pausedUntil > startedAt) return { result: "idle", recovered: false };
  await outbox.relay();
  // An endpoint that failed everything sends one probe per pause, not a window, until one succeeds.
  const probing = endpoint.dispatch.failedAttempts > 0;
  const limit = probing ? 1 : ctx.windowSize;
  const retries = await webhooks.due(endpointId, recovering ? EVERYTHING_QUEUED : startedAt, limit);
  const cursor = endpoint.dispatch.cursor ?? (await outbox.positionAt(null));
  const page = retries.length < limit ? await outbox.read(endpointFilter(endpoint), cursor, limit - retries.length) : null;
  const jobs: AttemptJob[] = [
    ...retries.map((d) => ({ eventId: d.eventId, attempt: d.attempt, payload: d.payload, queued: true })),
    ...(page?.items ?? [])
      .filter((e) => isSentTo(endpoint, e.type))
      .map((e) => ({ eventId: e.id, attempt: 1, payload: JSON.stringify(wireEvent(toEvent(e))), queued: false })),
  ];
  const outcomes = await inPool(jobs, ctx.concurrency, async (job) => ({ job, at: ctx.attempt.now(), result: await sendAttempt(endpoint, job, ctx.attempt) }));
  const settled = outcomes.filter((o) => o.result.error !== "aborted");
  // A stopping server hands an event it could not finish to the next one: the cursor stays.
  const handedOff = settled.length === outcomes.length;
  await record(ctx, endpoint, settled);

  const succeeded = settled.some((o) => o.result.ok);
  const allFailed = settled.length > 0 && !succeeded;
  const moved = page !== null && handedOff && page.nextKey !== endpoint.dispatch.cursor;
  if (!moved && !succeeded && !allFailed) return { result: jobs.length > 0 ? "busy" : "idle", recovered: false };
  const stored = await changeEndpoint(webhooks, endpointId, (e) => {
    const now = ctx.attempt.now();
    if (!holdsLease(e, ctx.holder, now)) return null;
    const dispatch = { ...e.dispatch, leaseUntil: now + ctx.leaseMs };
    // A replay (or a PATCH) moved the cursor meanwhile: theirs wins.
    if (moved && e.dispatch.cursor === endpoint.dispatch.cursor) dispatch.cursor = page.nextKey;
    if (succeeded) Object.assign(dispatch, { failingSince: null, failedAttempts: 0, pausedUntil: 0 });
    if (!allFailed) return { ...e, dispatch };
    dispatch.failedAttempts = e.dispatch.failedAttempts + 1;
    dispatch.pausedUntil = now + endpointPauseMs(ctx.retryScheduleMs, dispatch.failedAttempts, ctx.jitter);
    dispatch.failingSince = e.dispatch.failingSince ?? startedAt;
    if (now - dispatch.failingSince < ctx.disableAfterMs) return { ...e, dispatch };
    return { ...e, dispatch, disabled: true, disabledReason: "failing", updatedAt: now };
  });
  if (stored?.disabled === true) ctx.onDisabled(endpointId);
  return { result: stored === null ? "lost" : "busy", recovered: probing && succeeded };
}

interface Outcome {
  job: AttemptJob;
  at: number;
  result: DeliveryResult;
}

/** Queues each failure's next attempt (or gives up after the last), clears the queued ones that are done, and logs every attempt. */
async function record(ctx: RoundContext, endpoint: WebhookEndpointRecord, outcomes: readonly Outcome[]): Promise<void> {
  const later: ScheduledDelivery[] = [];
  const done: string[] = [];
  const log: DeliveryAttempt[] = [];
  for (const { job, at, result } of outcomes) {
    if (job.attempt > 1) ctx.counts.retries += 1;
    const delay = result.ok ? null : retryDelayMs(ctx.retryScheduleMs, job.attempt, ctx.jitter);
    const nextAttemptAt = delay === null ? null : at + result.durationMs + delay;
    if (nextAttemptAt !== null)
      later.push({ endpointId: endpoint.id, eventId: job.eventId, attempt: job.attempt + 1, dueAt: nextAttemptAt, payload: job.payload });
    else if (job.queued) done.push(job.eventId);
    if (result.ok) ctx.counts.delivered += 1;
    else {
      ctx.counts.failedAttempts += 1;
      if (nextAttemptAt === null) ctx.counts.failed += 1;
      ctx.onFailure({
        endpointId: endpoint.id,
        eventId: job.eventId,
        attempt: job.attempt,
        status: result.status,
        error: result.error,
        final: nextAttemptAt === null,
      });
    }
    log.push({
      id: newId("wha", at, ctx.random),
      endpointId: endpoint.id,
      eventId: job.eventId,
      attempt: job.attempt,
      status: result.ok ? "succeeded" : nextAttemptAt === null ? "failed" : "pending",
      responseStatus: result.status,
      durationMs: result.durationMs,
      at,
      nextAttemptAt,
      error: result.error,
    });
  }
  if (later.length > 0) await ctx.store.webhooks.schedule(later);
  if (done.length > 0) await ctx.store.webhooks.unschedule(endpoint.id, done);
  if (log.length > 0) await ctx.store.webhooks.logAttempts(log, ctx.attempt.now() - ctx.logRetentionMs);
}
