/**
 * The outbox relay of `sessiond serve`: on stores that number events after they commit
 * (PostgreSQL, Redis), events become readable in the feed, and deliverable, only once relayed.
 * Every server relays a few times a second; the store lets one relay run at a time, so more
 * servers cost little. Readers relay too, so this only bounds how stale an idle feed can be.
 */
import type { Logger } from "pino";
import type { Sessions } from "../core/service.js";

/** SPEC §9: an event is visible within 1 s of its commit; four relays a second leave room for a slow one. */
const RELAY_INTERVAL_MS = 250;

export interface OutboxRelay {
  stop(): Promise<void>;
}

export function startOutboxRelay(deps: { sessions: Pick<Sessions, "events">; logger: Logger }): OutboxRelay {
  let running: Promise<void> | null = null;
  let failing = false;
  const timer = setInterval(() => {
    if (running !== null) return;
    running = deps.sessions.events
      .relay()
      .then(() => {
        if (failing) deps.logger.info("outbox relay recovered");
        failing = false;
      })
      .catch((error: unknown) => {
        // One line per outage, not four a second.
        if (!failing) deps.logger.warn({ err: error }, "outbox relay failed; events wait in the store until it works again");
        failing = true;
      })
      .finally(() => (running = null));
  }, RELAY_INTERVAL_MS).unref();
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
}
