/**
 * The SQLite store's webhook endpoints (one JSON document each beside the columns a query
 * needs), their retry queue and their delivery log. Every write runs in an IMMEDIATE
 * transaction: a conditional `replace` then checks the version under the file's write lock,
 * so of two processes taking one lease exactly one wins.
 */
import type { DeliveryAttempt, Page, PageRequest, ScheduledDelivery, WebhookEndpointRecord, WebhookStore } from "../../core/store/index.js";
import type { Row } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";

/** Attempts older than asked are deleted this many at a time, so one log call never turns into a long purge. */
const ATTEMPT_PURGE_BATCH = 1000;

function endpointRow(e: WebhookEndpointRecord): Row {
  const { id, tenantId, version, ...body } = e;
  return { id, tenant_id: tenantId, version, body: JSON.stringify(body) };
}

function endpointFromRow(row: Row): WebhookEndpointRecord {
  const body = JSON.parse(row.body as string) as Omit<WebhookEndpointRecord, "id" | "tenantId" | "version">;
  return { ...body, id: row.id as string, tenantId: row.tenant_id as string | null, version: row.version as number };
}

const deliveryFromRow = (row: Row): ScheduledDelivery => ({
  endpointId: row.endpoint_id as string,
  eventId: row.event_id as string,
  attempt: row.attempt as number,
  dueAt: row.due_at as number,
  payload: row.payload as string,
});

/** The due deliveries of one endpoint, earliest first (exported for the query-plan test). */
export const DUE_SQL = "SELECT * FROM webhook_queue WHERE endpoint_id = @endpointId AND due_at <= @now ORDER BY due_at, event_id LIMIT @limit";

export class SqliteWebhooks implements WebhookStore {
  private readonly q;

  constructor(private readonly conn: SqliteConnection) {
    this.q = conn.prepared((db) => ({
      get: db.prepare<[string], Row>("SELECT * FROM webhook_endpoints WHERE id = ?"),
      all: db.prepare<[], Row>("SELECT * FROM webhook_endpoints ORDER BY id"),
      ofTenant: db.prepare<[string], Row>("SELECT * FROM webhook_endpoints WHERE tenant_id = ? ORDER BY id"),
      insert: db.prepare("INSERT INTO webhook_endpoints (id, tenant_id, version, body) VALUES (@id, @tenant_id, @version, @body)"),
      replace: db.prepare(
        "UPDATE webhook_endpoints SET tenant_id = @tenant_id, body = @body, version = version + 1 WHERE id = @id AND version = @expectVersion",
      ),
      delete: db.prepare("DELETE FROM webhook_endpoints WHERE id = ?"),
      deleteQueue: db.prepare("DELETE FROM webhook_queue WHERE endpoint_id = ?"),
      deleteAttempts: db.prepare("DELETE FROM webhook_attempts WHERE endpoint_id = ?"),
      schedule: db.prepare(
        `INSERT INTO webhook_queue (endpoint_id, event_id, due_at, attempt, payload) VALUES (@endpointId, @eventId, @dueAt, @attempt, @payload)
         ON CONFLICT (endpoint_id, event_id) DO UPDATE SET due_at = excluded.due_at, attempt = excluded.attempt, payload = excluded.payload`,
      ),
      due: db.prepare<Row, Row>(DUE_SQL),
      unschedule: db.prepare("DELETE FROM webhook_queue WHERE endpoint_id = ? AND event_id = ?"),
      logAttempt: db.prepare("INSERT INTO webhook_attempts (id, endpoint_id, at, body) VALUES (@id, @endpointId, @at, @body) ON CONFLICT (id) DO NOTHING"),
      forgetAttempts: db.prepare(
        "DELETE FROM webhook_attempts WHERE id IN (SELECT id FROM webhook_attempts WHERE endpoint_id = @endpointId AND at < @before LIMIT @limit)",
      ),
    }));
  }

  insert(endpoint: WebhookEndpointRecord): Promise<void> {
    // A duplicate id fails the primary key, which the connection turns into `conflict` (driver.ts).
    return this.conn.immediate(() => void this.q().insert.run(endpointRow(endpoint)));
  }

  get(id: string): Promise<WebhookEndpointRecord | null> {
    return this.conn.run(() => {
      const row = this.q().get.get(id);
      return row === undefined ? null : endpointFromRow(row);
    });
  }

  list(tenantId: string | undefined): Promise<WebhookEndpointRecord[]> {
    return this.conn.run(() => (tenantId === undefined ? this.q().all.all() : this.q().ofTenant.all(tenantId)).map(endpointFromRow));
  }

  replace(endpoint: WebhookEndpointRecord, expectVersion: number): Promise<boolean> {
    return this.conn.immediate(() => this.q().replace.run({ ...endpointRow(endpoint), expectVersion }).changes > 0);
  }

  delete(id: string): Promise<boolean> {
    return this.conn.immediate(() => {
      this.q().deleteQueue.run(id);
      this.q().deleteAttempts.run(id);
      return this.q().delete.run(id).changes > 0;
    });
  }

  schedule(deliveries: readonly ScheduledDelivery[]): Promise<void> {
    return this.conn.immediate(() => {
      for (const d of deliveries)
        this.q().schedule.run({ endpointId: d.endpointId, eventId: d.eventId, dueAt: d.dueAt, attempt: d.attempt, payload: d.payload });
    });
  }

  due(endpointId: string, nowMs: number, limit: number): Promise<ScheduledDelivery[]> {
    return this.conn.run(() => this.q().due.all({ endpointId, now: nowMs, limit }).map(deliveryFromRow));
  }

  unschedule(endpointId: string, eventIds: readonly string[]): Promise<void> {
    return this.conn.immediate(() => {
      for (const id of eventIds) this.q().unschedule.run(endpointId, id);
    });
  }

  logAttempts(attempts: readonly DeliveryAttempt[], keepAfterMs: number): Promise<void> {
    return this.conn.immediate(() => {
      for (const a of attempts) this.q().logAttempt.run({ id: a.id, endpointId: a.endpointId, at: a.at, body: JSON.stringify(a) });
      // Each endpoint's log is trimmed when it grows, as the memory store does.
      for (const endpointId of new Set(attempts.map((a) => a.endpointId)))
        this.q().forgetAttempts.run({ endpointId, before: keepAfterMs, limit: ATTEMPT_PURGE_BATCH });
    });
  }

  attempts(endpointId: string, page: PageRequest): Promise<Page<DeliveryAttempt>> {
    return this.conn.run(() => {
      const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
      const rows = this.conn.statements
        .get(`SELECT body FROM webhook_attempts WHERE endpoint_id = @endpointId${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`)
        .all({ endpointId, limit: page.limit + 1, offset: page.offset ?? 0, ...(page.afterKey === undefined ? {} : { afterKey: page.afterKey }) }) as Row[];
      const items = rows.slice(0, page.limit).map((r) => JSON.parse(r.body as string) as DeliveryAttempt);
      return { items, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
    });
  }
}
