/**
 * Activity writes off the response path (group commit). A verify whose activity is due used to
 * wait for its own store write: on SQLite one transaction and one fsync per request, which cut
 * verify throughput sevenfold at 50 connections (issue 15). Activity is not a state change, so
 * verify now queues it here and answers; the queue is written every `batchMs` (or as soon as a
 * batch is full) with ONE store call per batch (`recordActivities`: one transaction on SQLite,
 * one statement on PostgreSQL, one pipeline on Redis).
 *
 * What stays exact: this process overlays its pending writes on what it reads ({@link overlay}),
 * so a second use from the same IP and UA queues nothing and `changed` is computed against the
 * newest activity; callers flush before reads and state changes that must see them. The
 * trade: a crash loses what is queued (a few ms of activity, up to the retries of a failing
 * store), never a state change; other processes see an activity up to one batch later.
 *
 * Bounded: at most `maxQueue` writes wait (a caller past that waits for the next batch instead
 * of growing memory); a failed batch is retried `maxAttempts` times, then dropped and counted.
 */
import { systemTimers, type Timers } from "./clock.js";
import type { ServiceContext } from "./context.js";
import { DEFAULT_ACTIVITY_WRITES, DEFAULT_STORE_TIMEOUT_MS } from "./defaults.js";
import type { ActivityChangeSet, SessionRecord } from "./model.js";
import type { EventStamp } from "./events.js";
import type { ActivityWrite, SessionStore } from "./store/index.js";

/** What happened to a batch that failed: retried later, or given up on (`dropped`). */
export interface ActivityFailure {
  writes: number;
  attempt: number;
  dropped: boolean;
}

/** Options of the writer (`createSessions({ activityWrites })`). */
export interface ActivityWriterOptions {
  /** How long a write waits for others to join its batch (default 5 ms). */
  batchMs?: number;
  /** Writes per store call; a full batch is written at once (default 500). */
  maxBatch?: number;
  /** Writes waiting at most; a caller beyond it waits for the next batch (default 10 000). */
  maxQueue?: number;
  /** Store calls per batch before it is dropped (default 3). */
  maxAttempts?: number;
  /** Told of every failed batch; the server logs it (without tokens: a batch holds none). */
  onFailure?: (error: unknown, failure: ActivityFailure) => void;
  timers?: Timers;
}

/** `createSessions({ activityWrites })`: the writer's options, or `false` to write each activity on the response path. */
export type ActivityWritesOption =
  | (ActivityWriterOptions & {
      /** An activity that moves a deadline due within this long skips the queue (default: 4 batches + the store timeout, at least 1 s). */
      syncWithinMs?: number;
    })
  | false;

/** Counts since start, for metrics (read on scrape). */
export interface ActivityWriterStats {
  /** Writes queued or being written now. */
  depth: number;
  /** Store calls that succeeded. */
  batches: number;
  /** Writes those calls carried. */
  writes: number;
  /** Writes given up on after `maxAttempts` failed calls. */
  dropped: number;
  /** Failed store calls (each retried or dropped). */
  failures: number;
}

/** Pause before the n-th retry of a failed batch: 100 ms, 200 ms, … (at most 1 s). */
const retryDelayMs = (attempt: number) => Math.min(1000, 100 * 2 ** (attempt - 1));

const isLive = (r: SessionRecord) => (r.status === "active" || r.status === "pending") && !r.isDeleted;

/** A queued write and whose session it is (the per-user limit must see that user's pending writes). */
interface QueuedWrite extends ActivityWrite {
  user: string;
}

const userKey = (tenantId: string, userId: string) => `${tenantId}\u0000${userId}`;

export class ActivityWriter {
  private readonly batchMs: number;
  private readonly maxBatch: number;
  private readonly maxQueue: number;
  private readonly maxAttempts: number;
  private readonly timers: Timers;
  private readonly onFailure: ActivityWriterOptions["onFailure"];
  /** Waiting for the next batch. */
  private queue: QueuedWrite[] = [];
  /** In the batch being written (retries included). */
  private writing: QueuedWrite[] = [];
  /** Each session's newest write that has not landed yet (queued or being written). */
  private readonly newest = new Map<string, ActivityChangeSet>();
  /** How many writes that have not landed yet each user has. */
  private readonly perUser = new Map<string, number>();
  private timer: unknown = null;
  private running: Promise<void> | null = null;
  private closed = false;
  private readonly counts = { batches: 0, writes: 0, dropped: 0, failures: 0 };

  constructor(
    private readonly store: SessionStore,
    private readonly historyLimit: number,
    options: ActivityWriterOptions = {},
  ) {
    this.batchMs = options.batchMs ?? DEFAULT_ACTIVITY_WRITES.batchMs;
    this.maxBatch = options.maxBatch ?? DEFAULT_ACTIVITY_WRITES.maxBatch;
    this.maxQueue = Math.max(options.maxQueue ?? DEFAULT_ACTIVITY_WRITES.maxQueue, this.maxBatch);
    this.maxAttempts = options.maxAttempts ?? DEFAULT_ACTIVITY_WRITES.maxAttempts;
    this.timers = options.timers ?? systemTimers;
    this.onFailure = options.onFailure;
  }

  get stats(): ActivityWriterStats {
    return { depth: this.queue.length + this.writing.length, ...this.counts };
  }

  /** Whether a write of this session has not landed yet. */
  has(id: string): boolean {
    return this.newest.has(id);
  }

  /**
   * The record as it will be once this process's pending write lands: the store would apply
   * it only to a live session whose stored activity is not newer, so only then is it overlaid.
   */
  overlay(record: SessionRecord): SessionRecord {
    const change = this.newest.get(record.id);
    if (change === undefined || !isLive(record) || record.lastActiveAt > change.lastActiveAt) return record;
    return { ...record, ...change };
  }

  /**
   * Queues a write. Returns null when the caller may go on at once, or a promise when the queue
   * is full (back-pressure: it resolves once the next batch has been written). The write is
   * queued before any wait, so {@link overlay} shows it at once.
   */
  add(session: Pick<SessionRecord, "id" | "tenantId" | "userId">, change: ActivityChangeSet, event?: EventStamp): Promise<void> | null {
    const { id } = session;
    if (this.closed) return this.store.recordActivity(id, change, this.historyLimit, event).then(() => undefined);
    const user = userKey(session.tenantId, session.userId);
    this.queue.push(event === undefined ? { id, change, user } : { id, change, user, event });
    this.newest.set(id, change);
    this.perUser.set(user, (this.perUser.get(user) ?? 0) + 1);
    if (this.queue.length >= this.maxBatch) this.start();
    else this.schedule();
    return this.queue.length + this.writing.length > this.maxQueue ? this.nextBatch() : null;
  }

  /** Writes everything queued so far (and waits for the batch under way). Never throws: failures are retried, then dropped. */
  async flush(): Promise<void> {
    while (this.running !== null || this.queue.length > 0) {
      this.start();
      await this.running;
    }
  }

  /** Flushes when this session has a pending write (before a read or change that must see it). */
  async settle(id: string): Promise<void> {
    if (this.newest.has(id)) await this.flush();
  }

  /** Flushes when this user has a pending write (before a per-user limit decision or a change of all their sessions). */
  async settleUser(tenantId: string, userId: string): Promise<void> {
    if (this.perUser.has(userKey(tenantId, userId))) await this.flush();
  }

  /** Flushes, then writes each later activity directly. Idempotent. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
  }

  private schedule(): void {
    if (this.timer !== null || this.running !== null) return;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.start();
    }, this.batchMs);
  }

  /** Starts writing the next batch unless one is under way. */
  private start(): void {
    if (this.running !== null || this.queue.length === 0) return;
    if (this.timer !== null) {
      this.timers.clearTimeout(this.timer);
      this.timer = null;
    }
    this.running = this.writeBatch().finally(() => {
      this.running = null;
      // What arrived meanwhile waited long enough already when a batch's worth of it is there.
      if (this.queue.length >= this.maxBatch) this.start();
      else if (this.queue.length > 0) this.schedule();
    });
  }

  private nextBatch(): Promise<void> {
    this.start();
    return this.running ?? Promise.resolve();
  }

  private async writeBatch(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    this.writing = batch;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.write(batch);
        this.counts.batches += 1;
        this.counts.writes += batch.length;
        break;
      } catch (error) {
        this.counts.failures += 1;
        const dropped = attempt >= this.maxAttempts;
        this.onFailure?.(error, { writes: batch.length, attempt, dropped });
        if (dropped) {
          this.counts.dropped += batch.length;
          break;
        }
        await new Promise<void>((resolve) => this.timers.setTimeout(resolve, retryDelayMs(attempt)));
      }
    }
    this.writing = [];
    // A session's newest change stays overlaid until it has landed (or was given up on).
    for (const { id, change, user } of batch) {
      if (this.newest.get(id) === change) this.newest.delete(id);
      const left = (this.perUser.get(user) ?? 1) - 1;
      if (left > 0) this.perUser.set(user, left);
      else this.perUser.delete(user);
    }
  }

  private async write(batch: readonly ActivityWrite[]): Promise<void> {
    if (this.store.recordActivities !== undefined) {
      await this.store.recordActivities(batch, this.historyLimit);
      return;
    }
    // A store without the batch method (written before it): one call per write, in order.
    for (const { id, change, event } of batch) await this.store.recordActivity(id, change, this.historyLimit, event);
  }
}

/**
 * The activity writer of a service, and how near a deadline must be for an activity to skip
 * the queue: a few batches plus a store call's timeout, and at least a second.
 */
export function activityWriting(
  sessions: SessionStore,
  historyLimit: number,
  options: ActivityWritesOption | undefined,
): Pick<ServiceContext, "activity" | "activitySyncWithinMs"> {
  const batchMs = options === false ? 0 : (options?.batchMs ?? DEFAULT_ACTIVITY_WRITES.batchMs);
  const syncWithinMs = (options === false ? undefined : options?.syncWithinMs) ?? Math.max(1000, 4 * batchMs + DEFAULT_STORE_TIMEOUT_MS);
  if (options === false || batchMs <= 0) return { activity: null, activitySyncWithinMs: syncWithinMs };
  return { activity: new ActivityWriter(sessions, historyLimit, { ...options, batchMs }), activitySyncWithinMs: syncWithinMs };
}
