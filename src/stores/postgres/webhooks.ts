/** The PostgreSQL store's webhook endpoints (one JSON document each), retry queue and delivery log. */
import type { DeliveryAttempt, Page, PageRequest, ScheduledDelivery, WebhookEndpointRecord, WebhookStore } from "../../core/store/index.js";
import type { Row } from "../sql/rows.js";
import type { Query } from "./connection.js";

/** The document holds every field but the three with columns of their own. */
function endpointBody(endpoint: WebhookEndpointRecord): string {
  const { id: _id, tenantId: _tenantId, version: _version, ...body } = endpoint;
  return JSON.stringify(body);
}

function toEndpoint(row: Row): WebhookEndpointRecord {
  return {
    ...(row.body as Omit<WebhookEndpointRecord, "id" | "tenantId" | "version">),
    id: row.id as string,
    tenantId: row.tenant_id as string | null,
    version: row.version as number,
  };
}

function toDelivery(row: Row): ScheduledDelivery {
  return {
    endpointId: row.endpoint_id as string,
    eventId: row.event_id as string,
    attempt: row.attempt as number,
    dueAt: row.due_at as number,
    payload: row.payload as string,
  };
}

export class PostgresWebhooks implements WebhookStore {
  constructor(private readonly query: Query) {}

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    await this.query("INSERT INTO webhook_endpoints (id, tenant_id, version, body) VALUES (@id, @tenantId, @version, @body::jsonb)", {
      id: endpoint.id,
      tenantId: endpoint.tenantId,
      version: endpoint.version,
      body: endpointBody(endpoint),
    });
  }

  async get(id: string): Promise<WebhookEndpointRecord | null> {
    const rows = await this.query("SELECT * FROM webhook_endpoints WHERE id = @id", { id });
    return rows[0] === undefined ? null : toEndpoint(rows[0]);
  }

  async list(tenantId: string | undefined): Promise<WebhookEndpointRecord[]> {
    const rows =
      tenantId === undefined
        ? await this.query("SELECT * FROM webhook_endpoints ORDER BY id", {})
        : await this.query("SELECT * FROM webhook_endpoints WHERE tenant_id = @tenantId ORDER BY id", { tenantId });
    return rows.map(toEndpoint);
  }

  async replace(endpoint: WebhookEndpointRecord, expectVersion: number): Promise<boolean> {
    const rows = await this.query(
      "UPDATE webhook_endpoints SET tenant_id = @tenantId, body = @body::jsonb, version = version + 1 WHERE id = @id AND version = @expectVersion RETURNING id",
      { id: endpoint.id, tenantId: endpoint.tenantId, body: endpointBody(endpoint), expectVersion },
    );
    return rows.length > 0;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.query(
      `WITH queued AS (DELETE FROM webhook_queue WHERE endpoint_id = @id), logged AS (DELETE FROM webhook_attempts WHERE endpoint_id = @id)
       DELETE FROM webhook_endpoints WHERE id = @id RETURNING id`,
      { id },
    );
    return rows.length > 0;
  }

  async schedule(deliveries: readonly ScheduledDelivery[]): Promise<void> {
    if (deliveries.length === 0) return;
    // One statement cannot upsert a row twice: the last delivery of an endpoint and event wins, as it would one by one.
    const latest = new Map(deliveries.map((d) => [JSON.stringify([d.endpointId, d.eventId]), d]));
    const rows = [...latest.values()].map((d) => ({ endpoint_id: d.endpointId, event_id: d.eventId, due_at: d.dueAt, attempt: d.attempt, payload: d.payload }));
    await this.query(
      `INSERT INTO webhook_queue (endpoint_id, event_id, due_at, attempt, payload)
       SELECT * FROM jsonb_to_recordset(@rows::jsonb) AS t(endpoint_id text, event_id text, due_at bigint, attempt integer, payload text)
       ON CONFLICT (endpoint_id, event_id) DO UPDATE SET due_at = excluded.due_at, attempt = excluded.attempt, payload = excluded.payload`,
      { rows: JSON.stringify(rows) },
    );
  }

  async due(endpointId: string, nowMs: number, limit: number): Promise<ScheduledDelivery[]> {
    const rows = await this.query("SELECT * FROM webhook_queue WHERE endpoint_id = @endpointId AND due_at <= @now ORDER BY due_at, event_id LIMIT @limit", {
      endpointId,
      now: nowMs,
      limit,
    });
    return rows.map(toDelivery);
  }

  async unschedule(endpointId: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    await this.query("DELETE FROM webhook_queue WHERE endpoint_id = @endpointId AND event_id = ANY(@eventIds::text[])", { endpointId, eventIds });
  }

  /** The append and the trim of the endpoints it touched commit together. */
  async logAttempts(attempts: readonly DeliveryAttempt[], keepAfterMs: number): Promise<void> {
    if (attempts.length === 0) return;
    const rows = attempts.map((a) => ({ endpoint_id: a.endpointId, id: a.id, at: a.at, body: a }));
    await this.query(
      `WITH input AS (SELECT * FROM jsonb_to_recordset(@rows::jsonb) AS t(endpoint_id text, id text, at bigint, body jsonb)),
       logged AS (INSERT INTO webhook_attempts (endpoint_id, id, at, body) SELECT endpoint_id, id, at, body FROM input ON CONFLICT DO NOTHING)
       DELETE FROM webhook_attempts WHERE endpoint_id IN (SELECT endpoint_id FROM input) AND at < @keepAfter`,
      { rows: JSON.stringify(rows), keepAfter: keepAfterMs },
    );
  }

  async attempts(endpointId: string, page: PageRequest): Promise<Page<DeliveryAttempt>> {
    const after = page.afterKey === undefined ? "" : " AND id < @afterKey";
    const rows = await this.query(`SELECT body FROM webhook_attempts WHERE endpoint_id = @endpointId${after} ORDER BY id DESC LIMIT @limit OFFSET @offset`, {
      endpointId,
      afterKey: page.afterKey,
      limit: page.limit + 1,
      offset: page.offset ?? 0,
    });
    const items = rows.slice(0, page.limit).map((r) => r.body as DeliveryAttempt);
    return { items, nextKey: rows.length > page.limit ? items[items.length - 1]!.id : null };
  }
}
