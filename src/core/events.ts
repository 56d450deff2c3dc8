/**
 * Session events (SPEC §9): what a change of a session produces, written by the store in the
 * same atomic step as the change (a transactional outbox). The store writes what this module
 * builds; the core decides who did it (`initiatedBy`) and the signals; the store decides which
 * sessions changed (a limit eviction, a revoke-all and a sweep find them inside the write).
 */
import type { Session, SessionChange, SessionRecord, SessionStatus } from "./model.js";
import { BASE32, type RandomSource, newId } from "./session-token.js";
import { toSession } from "./view.js";

export const EVENT_TYPES = [
  "session.created",
  "session.pending",
  "session.activated",
  "session.updated",
  "session.ended",
  "session.revoked",
  "session.removed",
  "session.replaced",
  "session.expired",
  "session.abandoned",
  "session.deleted",
  "session.token_reused",
  "session.activity_changed",
  "session.theft_suspected",
] as const;

/** A type of event in the feed. */
export type EventType = (typeof EVENT_TYPES)[number];

/** Every type a webhook endpoint may subscribe to: `webhook.test` goes to the tested endpoint only, never to the feed. */
export const WEBHOOK_EVENT_TYPES = [...EVENT_TYPES, "webhook.test"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Who caused a change: an API key (its id, null for the library or the environment's root key), the end user, the console or sessiond itself. */
export interface InitiatedBy {
  type: "api_key" | "user" | "console" | "system";
  id: string | null;
}

export const SYSTEM: InitiatedBy = Object.freeze({ type: "system", id: null });

/** Whether a sign-in shows something the user's retained sessions had not shown before. */
export interface Signals {
  newDevice: boolean;
  newCountry: boolean;
  newBrowser: boolean;
}

/**
 * What a session-role write needs to write its events. A write without a stamp writes no event
 * (the library's `events: false`, used by the bench to measure the outbox's cost).
 *
 * Event ids: the store names the n-th event of one write `eventId(stamp.idBase, n)`, n counting
 * from 0 in the order the events are written. A retried write (the same stamp) MUST NOT store
 * an event twice: ids are unique in the outbox.
 */
export interface EventStamp {
  /** `evt_` + time + random (see {@link newEventStamp}). */
  idBase: string;
  initiatedBy: InitiatedBy;
  /** Signals of the session the write creates (or whose activity it records); none for the others. */
  signals?: Signals;
}

/** A session as an event shows it: the record without its secret digests, which never leave the sessions table. */
export type EventSessionRecord = Omit<SessionRecord, "secretHash" | "supersededSecrets">;

/** Strips the secret digests off a record about to go into an event. */
export function eventRecord(record: SessionRecord | EventSessionRecord): EventSessionRecord {
  const { secretHash: _hash, supersededSecrets: _superseded, ...rest } = record as SessionRecord;
  return rest;
}

/** One event as stored: the session as it was right after the change. */
export interface SessionEvent {
  id: string;
  type: EventType;
  tenantId: string;
  userId: string;
  sessionId: string;
  /** ms; for passive ends (expired, abandoned) the deadline, else when the change was made. */
  timestamp: number;
  initiatedBy: InitiatedBy;
  signals: Signals | null;
  record: EventSessionRecord;
}

/** The newest id base this process handed out: the next one is always greater. */
let lastIdBase = "";

/**
 * A stamp with a fresh id base. Receivers order events by id (SPEC §9), so within a process the
 * bases strictly increase even when the clock stands still or steps back: a base not above the
 * last one becomes the last one plus one (the random part then counts up, as in a monotonic ULID).
 */
export function newEventStamp(random: RandomSource, nowMs: number, initiatedBy: InitiatedBy, signals?: Signals): EventStamp {
  let idBase = newId("evt", nowMs, random);
  if (idBase <= lastIdBase) idBase = increment(lastIdBase);
  lastIdBase = idBase;
  return signals === undefined ? { idBase, initiatedBy } : { idBase, initiatedBy, signals };
}

/** `evt_…` plus one, in base 32 (a carry past the first character cannot happen before the year 37000). */
function increment(id: string): string {
  const chars = [...id];
  for (let i = chars.length - 1; i > id.indexOf("_"); i--) {
    const digit = BASE32.indexOf(chars[i]!);
    if (digit < 31) {
      chars[i] = BASE32[digit + 1]!;
      return chars.join("");
    }
    chars[i] = "0";
  }
  throw new Error("event id space exhausted");
}

/** The id of the `index`-th event of a write: three more sortable characters (up to 32 768 events per write). */
export function eventId(idBase: string, index: number): string {
  return idBase + BASE32[(index >> 10) & 31] + BASE32[(index >> 5) & 31] + BASE32[index & 31];
}

const ENDED_BY_STATUS: Partial<Record<SessionStatus, EventType>> = {
  ended: "session.ended",
  revoked: "session.revoked",
  removed: "session.removed",
  replaced: "session.replaced",
  expired: "session.expired",
  abandoned: "session.abandoned",
};

/** The event type of a session that ended with `status`. */
export function endEventType(status: SessionStatus): EventType {
  const type = ENDED_BY_STATUS[status];
  if (type === undefined) throw new Error(`no end event for status ${status}`);
  return type;
}

/**
 * The events of a conditional update (`SessionStore.update`), in the order they are written. A
 * delete is `session.deleted` even when it also revokes; a revocation for token reuse is
 * `session.token_reused` then `session.revoked`; anything without a status is `session.updated`.
 */
export function updateEventTypes(change: SessionChange): EventType[] {
  if (change.isDeleted === true) return ["session.deleted"];
  if (change.status === undefined) return ["session.updated"];
  if (change.status === "active") return ["session.activated"];
  if (change.status === "revoked" && change.endReason === "token_reused") return ["session.token_reused", "session.revoked"];
  return [endEventType(change.status)];
}

/** The event of a newly stored session. */
export function insertEventType(record: SessionRecord): EventType {
  return record.status === "pending" ? "session.pending" : "session.created";
}

/**
 * Builds the events of one session's change, numbered from `firstIndex` within the write.
 * `after` is the stored record after the change; `timestamp` when it happened.
 */
export function sessionEvents(
  stamp: EventStamp,
  firstIndex: number,
  types: readonly EventType[],
  after: SessionRecord,
  timestamp: number,
  withSignals = false,
): SessionEvent[] {
  return types.map((type, i) => ({
    id: eventId(stamp.idBase, firstIndex + i),
    type,
    tenantId: after.tenantId,
    userId: after.userId,
    sessionId: after.id,
    timestamp,
    initiatedBy: stamp.initiatedBy,
    signals: withSignals ? (stamp.signals ?? null) : null,
    record: eventRecord(after),
  }));
}

/** An event as the library shows it (SPEC §9); the wire form is its snake_case twin (src/http/wire.ts). */
export interface Event {
  object: "event";
  id: string;
  type: EventType | "webhook.test";
  tenantId: string;
  timestamp: number;
  initiatedBy: InitiatedBy;
  /** Only on `session.created` and `session.activity_changed`. */
  signals?: Signals;
  /** The session right after the change (SPEC §2). */
  data: Session;
}

/** The public form of a stored event: the session as it read at the event's time. */
export function toEvent(e: SessionEvent): Event {
  const base = { object: "event" as const, id: e.id, type: e.type, tenantId: e.tenantId, timestamp: e.timestamp, initiatedBy: e.initiatedBy };
  const data = toSession(e.record, e.timestamp);
  return e.signals === null ? { ...base, data } : { ...base, signals: e.signals, data };
}
