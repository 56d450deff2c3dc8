/** The in-server sweeper: on an interval, writes passed deadlines, purges old sessions and events, and drops retired signing keys. */
import type { Logger } from "pino";
import type { Sessions } from "../core/service.js";
import type { SigningKeys } from "../jwt/signing-keys.js";

/**
 * The in-server sweeper shares the event loop with verify; on SQLite a batch runs on it. Batches
 * of about this long, each followed by a rest twice as long, keep a verify that arrives mid-sweep from
 * waiting much longer than usual.
 */
const SWEEP_BATCH_BUDGET_MS = 1;

export interface Sweeper {
  /** Starts no further sweeps (one under way runs to its end). */
  stop(): void;
}

/**
 * Sweeps every `intervalSeconds` (0: never; `sessiond sweep` does it instead). A sweep that is
 * still running when the next is due is not joined by a second one.
 */
export function startSweeper(
  deps: { sessions: Pick<Sessions, "sweep" | "events">; signingKeys: Pick<SigningKeys, "prune">; logger: Logger },
  intervalSeconds: number,
): Sweeper {
  if (intervalSeconds <= 0) return { stop: () => undefined };
  const { sessions, signingKeys, logger } = deps;
  let sweeping = false;
  const timer = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    Promise.all([sessions.sweep({ batchBudgetMs: SWEEP_BATCH_BUDGET_MS }), signingKeys.prune(), sessions.events.purge()])
      .then(([done, pruned, eventsPurged]) => {
        if (done.expired + done.abandoned + done.purged > 0) logger.info({ ...done }, "sweep");
        if (eventsPurged > 0) logger.info({ purged: eventsPurged }, "events older than the event retention purged");
        if (pruned.length > 0) logger.info({ kids: pruned }, "retired signing keys dropped from the JWKS");
      })
      .catch((error: unknown) => logger.warn({ err: error }, "sweep failed"))
      .finally(() => (sweeping = false));
  }, intervalSeconds * 1000).unref();
  return { stop: () => clearInterval(timer) };
}
