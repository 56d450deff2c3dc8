/**
 * The event feed (SPEC §9 `GET /v1/events`, `sessions.events.list`): events in commit order from
 * the outbox, paged with a cursor that never runs out, so a poller keeps the last one it got.
 */
import type { Clock } from "./clock.js";
import type { Scope } from "./context.js";
import { SessiondError } from "./errors.js";
import { EVENT_TYPES, type Event, toEvent } from "./events.js";
import * as input from "./input.js";
import { LIMITS } from "./limits.js";
import type { OutboxStore } from "./store/index.js";

const EVENT_ID_PATTERN = /^evt_[0-9a-hjkmnp-tv-z]{29}$/;
/** Events deleted per purge statement: small enough that a purge never holds the store for long. */
const PURGE_BATCH = 1000;

/** What `events.list` takes; `after` is an event id or a `nextCursor`. */
export interface EventListRequest extends Scope {
  after?: string;
  types?: readonly string[];
  userId?: string;
  limit?: number;
}

/** A page of events; `nextCursor` is never null: keep it and ask again for what comes next. */
export interface EventList {
  data: Event[];
  nextCursor: string;
}

export class EventFeed {
  /** @param outbox null for a store without one (a store written before events): listing then fails clearly. */
  constructor(
    private readonly outbox: OutboxStore | null,
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {}

  /**
   * Makes events committed by any process readable (stores that number events after commit do
   * it here: PostgreSQL, Redis); `sessiond serve` calls it a few times a second. Returns how many.
   */
  async relay(): Promise<number> {
    return this.outbox === null ? 0 : this.outbox.relay();
  }

  /** Deletes events older than the retention (`SESSIOND_EVENT_RETENTION_SECONDS`), in small batches; returns how many. */
  async purge(): Promise<number> {
    if (this.outbox === null) return 0;
    const before = this.clock.now() - this.retentionMs;
    let total = 0;
    for (;;) {
      const purged = await this.outbox.purge(before, PURGE_BATCH);
      total += purged;
      if (purged < PURGE_BATCH) return total;
    }
  }

  /**
   * Events after `after` (from the oldest retained without it), oldest first. A tenant scope
   * sees its tenant only. @throws SessiondError `request_invalid`, `resource_not_found` (an unknown event id)
   */
  async list(req: EventListRequest = {}): Promise<EventList> {
    const filter = {
      ...(req.tenantId === undefined ? {} : { tenantId: input.tenantId(req.tenantId) }),
      ...(req.userId === undefined ? {} : { userId: input.text("user_id", req.userId) }),
      ...(req.types === undefined || req.types.length === 0 ? {} : { types: eventTypes(req.types) }),
    };
    const limit = eventLimit(req.limit);
    const outbox = this.outbox;
    if (outbox === null) throw new SessiondError("request_invalid", "this store keeps no events (it has no outbox role)");
    // Events committed a moment ago become readable here, not only at the next background relay.
    await outbox.relay();
    const afterKey = await this.position(outbox, req.after);
    const page = await outbox.read(filter, afterKey, limit);
    return { data: page.items.map(toEvent), nextCursor: input.encodeCursor(page.nextKey)! };
  }

  private async position(outbox: OutboxStore, after: string | undefined): Promise<string | null> {
    if (after === undefined || after === "") return null;
    if (!EVENT_ID_PATTERN.test(after)) return input.decodeCursor(after) ?? null;
    const key = await outbox.positionOf(after);
    if (key === null)
      throw new SessiondError("resource_not_found", "no such event (it may be older than the retention): page from a next_cursor instead", {
        details: { after },
      });
    return key;
  }
}

function eventTypes(types: readonly string[]): string[] {
  for (const type of types)
    if (!(EVENT_TYPES as readonly string[]).includes(type))
      throw new SessiondError("request_invalid", `type must be one of ${EVENT_TYPES.join(", ")}`, { details: { field: "type" } });
  return [...new Set(types)];
}

function eventLimit(value: unknown): number {
  const { minimum, maximum } = LIMITS.integers.event_limit;
  if (value === undefined) return LIMITS.integers.event_limit.default;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum || value > maximum)
    throw new SessiondError("request_invalid", `limit must be ${minimum} to ${maximum}`, { details: { field: "limit" } });
  return value;
}
