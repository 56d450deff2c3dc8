/**
 * The outbox role of the store contract (SPEC §9; its consumers: src/core/events-feed.ts and the
 * dispatcher). Events are WRITTEN by the session role, inside the same transaction (or Lua
 * script) as the change they report: every session-role write that takes an `EventStamp`
 * (insert, update, recordActivity/recordActivities, endMany, sweep) MUST store, atomically with
 * its change, one event per session it changed (see src/core/events.ts for the types and ids),
 * and none when its condition failed. This role only READS them back, in commit order.
 *
 * Positions (`afterKey`, `nextKey`) are opaque strings of the backend. Commit order: a reader
 * that pages with `nextKey` from any position MUST see every later event exactly once, even
 * with concurrent writers on several processes. A backend whose numbering at insert time is
 * not commit order (PostgreSQL sequences, a Redis Cluster's per-slot outboxes) numbers events in
 * `relay`, one relay at a time; unnumbered events are not yet readable.
 */
import type { SessionEvent } from "../events.js";

/** Which events a read returns; every field narrows. */
export interface EventFilter {
  /** undefined: every tenant. */
  tenantId?: string;
  userId?: string;
  /** undefined or empty: every type. */
  types?: readonly string[];
}

/** A page of events, oldest first. */
export interface EventPage {
  items: SessionEvent[];
  /** The position after the last event examined (or the position read from when nothing was found): never null, so a poller keeps it. */
  nextKey: string;
}

export interface OutboxStore {
  /**
   * MUST return at most `limit` readable events after `afterKey` (null: from the oldest
   * retained) that match `filter`, oldest first. Events that do not match the filter still move
   * `nextKey` forward, so a filtered poller does not rescan them.
   */
  read(filter: EventFilter, afterKey: string | null, limit: number): Promise<EventPage>;

  /** MUST return the position of the event with this id (reading after it continues after it), or null when it is unknown or not yet readable. */
  positionOf(eventId: string): Promise<string | null>;

  /**
   * MUST return a position from which a read returns the readable events whose `timestamp` is
   * at or after `timeMs` (and perhaps a few before: a replay may repeat, never skip); with
   * null, the position after the newest readable event (a new webhook endpoint starts there).
   */
  positionAt(timeMs: number | null): Promise<string>;

  /**
   * MUST make events committed before the call readable, in one atomic step per batch, and
   * return how many it made readable. Safe to call from every process at any time (a call that
   * finds another relay running MAY return 0 at once). Backends that number at commit return 0.
   */
  relay(): Promise<number>;

  /** MUST delete at most `limit` events whose `timestamp` is before `beforeMs`; returns how many. */
  purge(beforeMs: number, limit: number): Promise<number>;
}
