/** What every store's outbox reads the same way: the event filter, and feeds numbered by a sequence (positions in decimal). */
import { SessiondError } from "../core/errors.js";
import type { SessionEvent } from "../core/events.js";
import type { EventFilter } from "../core/store/index.js";

export function matchesEventFilter(event: SessionEvent, filter: EventFilter): boolean {
  return (
    (filter.tenantId === undefined || event.tenantId === filter.tenantId) &&
    (filter.userId === undefined || event.userId === filter.userId) &&
    (filter.types === undefined || filter.types.length === 0 || filter.types.includes(event.type))
  );
}

/** Reads a decimal position; anything else is a bad cursor. */
export function parseSeq(key: string | null): number {
  if (key === null) return 0;
  const seq = Number(key);
  if (!/^\d{1,16}$/.test(key) || !Number.isSafeInteger(seq)) throw new SessiondError("request_invalid", "cursor is not valid here");
  return seq;
}
