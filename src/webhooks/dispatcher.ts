/**
 * The webhook dispatcher (SPEC §9): runs in every `sessiond serve` (and from the library). It
 * looks for endpoints every few seconds, takes the lease of each one free, and runs a loop of
 * rounds for each endpoint it holds, renewing the lease beside it, so a slow receiver delays
 * only its own endpoint. At least once: the cursor moves only after every event of a window was
 * delivered or queued, so a server killed mid-way leaves the window to the next lease holder.
 */
import { systemClock, type Clock } from "../core/clock.js";
import { systemRandom, type RandomSource } from "../core/session-token.js";
import type { DeliveryAttempt, Store, WebhookEndpointRecord } from "../core/store/index.js";
import { DELIVERY_TIMEOUT_MS } from "./deliver.js";
import { holdsLease, releaseLease, takeLease } from "./lease.js";
import type { LogoutSigner } from "./logout-token.js";
import { DEFAULT_RETRY_SCHEDULE_MS } from "./retry-schedule.js";
import { type AttemptFailure, type DispatchCounts, type RoundContext, runRound } from "./round.js";
import { backlogOf, type Backlog } from "./backlog.js";
import { sendTestEvent } from "./test-event.js";

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_ERROR_REST_MS = 5_000;

export interface DispatcherOptions {
  store: Pick<Store, "outbox" | "webhooks">;
  /** Opens a stored (sealed) signing secret: `openWebhookSecret(sealed, keyEncryptionKey)`. */
  openSecret(sealed: string): string;
  /** Signs logout tokens; null: back-channel logout endpoints fail every attempt (no key to sign with). */
  logoutSigner: LogoutSigner | null;
  /** The public URL logout-token issuers are built from (SPEC §6). */
  publicUrl(): string;
  clock?: Clock;
  random?: RandomSource;
  /** In [0, 1): the retry jitter. */
  jitter?: () => number;
  /** Delays between attempts (SESSIOND_WEBHOOK_RETRY_SCHEDULE). */
  retryScheduleMs?: readonly number[];
  /** Sends to private, loopback and link-local addresses too (SESSIOND_WEBHOOK_ALLOW_PRIVATE). */
  allowPrivate?: boolean;
  /** One attempt's whole time (default 15 s). */
  timeoutMs?: number;
  /** How long a lease lasts unless renewed (default 15 s); renewed every third of it. */
  leaseMs?: number;
  /** How often endpoints are listed, free leases taken and the backlog measured (default 5 s). */
  scanEveryMs?: number;
  /** How long an endpoint with nothing to send waits before looking again (default 250 ms): most of the delay from a change to its delivery. */
  pollMs?: number;
  /** Events read per round (default 100) and attempts in flight per endpoint (default 32). */
  windowSize?: number;
  concurrency?: number;
  /** How long delivery log entries are kept (the event retention). */
  logRetentionMs?: number;
  /** An endpoint failing every attempt this long is disabled (default 5 days). */
  disableAfterMs?: number;
  /** How long `stop` lets attempts in flight finish before abandoning them (default 3 s). */
  stopGraceMs?: number;
  /** This server's name in leases (default: random). */
  holder?: string;
  /** A failed attempt (endpoint and event ids only). */
  onFailure?: (failure: AttemptFailure) => void;
  /** An endpoint this server disabled after 5 days of failures. */
  onDisabled?: (endpointId: string) => void;
  /** A round or a scan that threw (a store error): it is retried on the next one. */
  onError?: (error: unknown, endpointId: string | null) => void;
}

/** What `/metrics` reads. */
export interface DispatchStats extends DispatchCounts, Backlog {}

export interface Dispatcher {
  /** Starts scanning and delivering; idempotent. */
  start(): void;
  /** Finishes or abandons attempts in flight within the grace time and gives the leases back. Idempotent. */
  stop(): Promise<void>;
  /** One pass without timers: take every free lease and run one round at each endpoint (tests, cron-like use). */
  runOnce(): Promise<void>;
  /** Sends a `webhook.test` event to this endpoint now (not through the feed), logs and returns the attempt. */
  sendTest(endpoint: WebhookEndpointRecord): Promise<DeliveryAttempt>;
  readonly stats: DispatchStats;
}

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const clock = options.clock ?? systemClock;
  const random = options.random ?? systemRandom;
  const leaseMs = options.leaseMs ?? 15_000;
  const scanEveryMs = options.scanEveryMs ?? 5_000;
  const pollMs = options.pollMs ?? 250;
  const stopGraceMs = options.stopGraceMs ?? 3_000;
  const holder = options.holder ?? `srv_${random.bytes(9).toString("base64url")}`;
  const { webhooks } = options.store;
  const abort = new AbortController();
  const counts: DispatchCounts = { delivered: 0, failed: 0, retries: 0, failedAttempts: 0 };
  let backlog: Backlog = { queueDepth: 0, oldestUndeliveredAt: null };
  const ctx: RoundContext = {
    store: options.store,
    holder,
    leaseMs,
    retryScheduleMs: options.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS,
    jitter: options.jitter ?? Math.random,
    random,
    windowSize: options.windowSize ?? 100,
    concurrency: options.concurrency ?? 32,
    logRetentionMs: options.logRetentionMs ?? 7 * DAY_MS,
    disableAfterMs: options.disableAfterMs ?? 5 * DAY_MS,
    counts,
    onFailure: options.onFailure ?? (() => undefined),
    onDisabled: options.onDisabled ?? (() => undefined),
    attempt: {
      openSecret: options.openSecret,
      logoutSigner: options.logoutSigner,
      publicUrl: options.publicUrl,
      now: () => clock.now(),
      timeoutMs: options.timeoutMs ?? DELIVERY_TIMEOUT_MS,
      allowPrivate: options.allowPrivate ?? false,
      signal: abort.signal,
    },
  };
  const onError = options.onError ?? (() => undefined);
  /** Endpoint id → its running loop. */
  const loops = new Map<string, Promise<void>>();
  const recovering = new Set<string>();
  let running = false;
  let stopping: Promise<void> | null = null;
  let scanTimer: ReturnType<typeof setInterval> | null = null;
  /** Loops resting between rounds, woken at once by `stop`. */
  const resting = new Set<() => void>();

  const rest = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      resting.add(done);
    });

  async function round(id: string): Promise<"busy" | "idle" | "lost"> {
    const { result, recovered } = await runRound(ctx, id, recovering.has(id));
    recovering.delete(id);
    if (recovered) recovering.add(id);
    return result;
  }

  async function endpointLoop(id: string): Promise<void> {
    let lost = false;
    const renewer = setInterval(
      () => {
        // Taken again rather than renewed: a lease that lapsed while this server stalled, and that no other took meanwhile, is still this server's to keep.
        takeLease(webhooks, id, holder, clock.now(), leaseMs)
          .then((held) => (lost ||= held === null))
          .catch((error: unknown) => onError(error, id));
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    try {
      // A store that fails every round (an outage) is asked less and less often, up to every few seconds, not four times a second per endpoint.
      let failedRounds = 0;
      while (running && !lost) {
        const result = await round(id).then(
          (r) => {
            failedRounds = 0;
            return r;
          },
          (error: unknown) => {
            onError(error, id);
            failedRounds += 1;
            return "idle" as const;
          },
        );
        if (result === "lost") break;
        if (result === "idle" && running) await rest(Math.min(pollMs * 2 ** failedRounds, MAX_ERROR_REST_MS));
      }
    } finally {
      clearInterval(renewer);
      loops.delete(id);
    }
  }

  async function scan(): Promise<void> {
    const endpoints = await webhooks.list(undefined);
    for (const e of endpoints) {
      if (!running || e.disabled || loops.has(e.id)) continue;
      const taken = await takeLease(webhooks, e.id, holder, clock.now(), leaseMs);
      // Scans never overlap (see start), so no other loop for this endpoint began meanwhile.
      if (taken !== null && running) loops.set(e.id, endpointLoop(e.id));
    }
    const held = endpoints.filter((e) => loops.has(e.id) || holdsLease(e, holder, clock.now()));
    backlog = await backlogOf(options.store, held);
  }

  return {
    get stats() {
      return { ...counts, ...backlog };
    },
    start() {
      if (running || stopping !== null) return;
      running = true;
      let scanning = false;
      // A scan slower than the interval is not joined by a second, which could start a second loop for one endpoint.
      const scanSafely = () => {
        if (scanning) return;
        scanning = true;
        scan()
          .catch((error: unknown) => onError(error, null))
          .finally(() => (scanning = false));
      };
      scanSafely();
      scanTimer = setInterval(scanSafely, scanEveryMs);
    },
    async runOnce() {
      const endpoints = await webhooks.list(undefined);
      await Promise.all(
        endpoints
          .filter((e) => !e.disabled)
          .map(async (e) => {
            if ((await takeLease(webhooks, e.id, holder, clock.now(), leaseMs)) !== null) await round(e.id);
          }),
      );
      backlog = await backlogOf(options.store, endpoints);
    },
    sendTest: (endpoint) => sendTestEvent(ctx, endpoint),
    stop() {
      stopping ??= (async () => {
        if (!running) return;
        running = false;
        if (scanTimer !== null) clearInterval(scanTimer);
        for (const done of [...resting]) done();
        const finished = Promise.all(loops.values());
        const grace = new Promise<void>((resolve) => setTimeout(resolve, stopGraceMs).unref());
        await Promise.race([finished, grace]);
        abort.abort();
        await finished;
        const held = await webhooks.list(undefined);
        await Promise.all(held.filter((e) => e.dispatch.leaseHolder === holder).map((e) => releaseLease(webhooks, e.id, holder)));
      })();
      return stopping;
    },
  };
}
