/**
 * How the PostgreSQL session role writes its events: in the same statement as the change, as a
 * data-modifying CTE over the changed rows (`RETURNING *`), so an event costs one more row and
 * no round trip. The row is stored whole but its secret digests, and read back with the shared
 * row codec (outbox.ts), so the snapshot has one encoding, not two.
 */
import type { EventStamp } from "../../core/events.js";
import type { Row } from "../sql/rows.js";

/** The alphabet of `eventId` (src/core/events.ts); test/stores/postgres-events.test.ts checks both agree. */
const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";

/** `eventId(base, n)` of src/core/events.ts as an SQL expression over two SQL expressions. */
export function eventIdSql(base: string, n: string): string {
  const digit = (shift: number) => `substr('${BASE32}', (((${n}) >> ${shift}) & 31)::int + 1, 1)`;
  return `${base} || ${digit(10)} || ${digit(5)} || ${digit(0)}`;
}

/**
 * What one statement's events are made of, as SQL expressions over `c` (a changed session row)
 * and whatever `from` joins to it. The stamp's fields are the parameters of {@link stampParams}.
 */
export interface EventSource {
  /** The CTE of the changed rows; default `c`. */
  cte?: string;
  /** The rows: the changed rows as `c`, and any joins; default `c`. */
  from?: string;
  /** The index of the event within its write (`n` of `eventId(idBase, n)`). */
  index: string;
  type: string;
  at: string;
  /** Defaults to the stamp's; an activity batch gives one per row. */
  id?: string;
  initiatedBy?: string;
  signals?: string;
  /** What the change returns for `c`: `s.*` when it joins other tables as well (UPDATE … FROM). */
  changed?: string;
  /** A retried activity batch brings the same event ids again: they are skipped, not errors. */
  retried?: boolean;
}

/**
 * The attributes of the `event_session` type (migration 3), in order: the sessions columns but
 * the secret digests, which never leave the sessions table. test/stores/postgres-events.test.ts
 * checks this list against both tables.
 */
export const SNAPSHOT_COLUMNS: readonly string[] = `id tenant_id workspace_id user_id username client_id status end_reason session_type aud
  scopes amr actor last_active_organization_id ip user_agent location bound_user_agent sliding_expiration max_age_minutes
  latest_activity country browser_name device_type os_name metadata created_at updated_at last_active_at last_refreshed_at
  expire_at abandon_at revoked_at ended_at is_deleted version started_at lifetime_ms max_lifetime_ms inactivity_timeout_ms`.split(/\s+/);

/** The changed row as the event shows it, a tuple like the row itself (far cheaper to build and store than JSON). */
const RECORD = `ROW(${SNAPSHOT_COLUMNS.map((column) => `c.${column}`).join(", ")})::event_session`;

/**
 * One `written` value per statement (an uncorrelated subquery runs once), taken once the change
 * has written (and locked) every row of `cte`: a write that changes a session after another
 * committed its change of it then always takes a larger value. (The executor already runs an
 * unreferenced CTE last; counting the rows first makes that independent of its plan.)
 * outbox.ts orders a relay's batch by it, then by id (the order within a write).
 */
const written = (cte: string) => `(SELECT nextval('event_writes') FROM (SELECT count(*) FROM ${cte}) AS every_row_written)`;

/** The INSERT of a statement's events, for a statement that is not one change (see {@link withEvents}). */
export function insertEvents(s: EventSource): string {
  const id = s.id ?? eventIdSql("@eventBase::text", s.index);
  return `INSERT INTO events (id, written, type, tenant_id, user_id, session_id, at, initiated_by, signals, record)
    SELECT ${id}, ${written(s.cte ?? "c")}, ${s.type}, c.tenant_id, c.user_id, c.id, ${s.at}, ${s.initiatedBy ?? "@initiatedBy::jsonb"}, ${s.signals ?? "@signals::jsonb"}, ${RECORD}
    FROM ${s.from ?? "c"}${s.retried === true ? " ON CONFLICT (id) DO NOTHING" : ""}`;
}

/**
 * `change` (an INSERT or UPDATE of sessions, without RETURNING) selecting `columns` of the rows
 * it wrote, and with `events` also storing their events in the same statement. `ctes` are
 * common table expressions (`name AS (…)`) the change reads.
 */
export function withEvents(change: string, columns: string, events: EventSource | null, ctes = ""): string {
  if (events === null) return `${ctes === "" ? "" : `WITH ${ctes} `}${change} RETURNING ${columns}`;
  return `WITH ${ctes === "" ? "" : `${ctes}, `}c AS (${change} RETURNING ${events.changed ?? "*"}), stored_events AS (${insertEvents(events)}) SELECT ${columns} FROM c`;
}

/** The parameters {@link withEvents} reads: the stamp's id base, who did it and, where the event carries them, the signals. */
export function stampParams(stamp: EventStamp, withSignals = false): Row {
  return {
    eventBase: stamp.idBase,
    initiatedBy: JSON.stringify(stamp.initiatedBy),
    signals: withSignals && stamp.signals !== undefined ? JSON.stringify(stamp.signals) : null,
  };
}
