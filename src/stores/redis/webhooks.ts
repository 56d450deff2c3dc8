/**
 * The Redis store's webhook endpoints, retry queue and delivery log, under the `{aux}` tag
 * like the other auxiliary data, so each multi-key write is one script in one slot
 * (webhook-lua.ts). Endpoints are few and read whole; queues and logs are per endpoint.
 */
import { SessiondError } from "../../core/errors.js";
import type { DeliveryAttempt, Page, PageRequest, ScheduledDelivery, WebhookEndpointRecord, WebhookStore } from "../../core/store/index.js";
import type { Client } from "./connection.js";
import type { RedisContext } from "./context.js";

/** `version:JSON`: the version up front, so the conditional replace needs no JSON in Lua. */
function encodeEndpoint(endpoint: WebhookEndpointRecord, version: number): string {
  return `${version}:${JSON.stringify({ ...endpoint, version })}`;
}

function decodeEndpoint(stored: string): WebhookEndpointRecord {
  return JSON.parse(stored.slice(stored.indexOf(":") + 1)) as WebhookEndpointRecord;
}

export class RedisWebhooks implements WebhookStore {
  constructor(private readonly ctx: RedisContext) {}

  private run<T>(work: (c: Client) => Promise<T>): Promise<T> {
    return this.ctx.conn.run(work);
  }

  private get keys() {
    return this.ctx.keys;
  }

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    const added = await this.run((c) => c.hsetnx(this.keys.webhooks(), endpoint.id, encodeEndpoint(endpoint, endpoint.version)));
    if (added === 0) throw new SessiondError("conflict", "webhook endpoint id already exists");
  }

  async get(id: string): Promise<WebhookEndpointRecord | null> {
    const stored = await this.run((c) => c.hget(this.keys.webhooks(), id));
    return stored === null ? null : decodeEndpoint(stored);
  }

  async list(tenantId: string | undefined): Promise<WebhookEndpointRecord[]> {
    const all = await this.run((c) => c.hgetall(this.keys.webhooks()));
    return Object.values(all)
      .map(decodeEndpoint)
      .filter((e) => tenantId === undefined || e.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  async replace(endpoint: WebhookEndpointRecord, expectVersion: number): Promise<boolean> {
    const stored = encodeEndpoint(endpoint, expectVersion + 1);
    return (await this.run((c) => c.sessiondWebhookReplace(this.keys.webhooks(), endpoint.id, expectVersion, stored))) === 1;
  }

  async delete(id: string): Promise<boolean> {
    const k = this.keys.webhook(id);
    return (await this.run((c) => c.sessiondWebhookDelete(this.keys.webhooks(), k.due, k.payloads, k.log, k.logIds, k.logTimes, id))) === 1;
  }

  async schedule(deliveries: readonly ScheduledDelivery[]): Promise<void> {
    const byEndpoint = new Map<string, ScheduledDelivery[]>();
    for (const d of deliveries) byEndpoint.set(d.endpointId, [...(byEndpoint.get(d.endpointId) ?? []), d]);
    await this.run((c) =>
      Promise.all(
        [...byEndpoint].map(([endpointId, list]) => {
          const k = this.keys.webhook(endpointId);
          return c.sessiondSchedule(k.due, k.payloads, ...list.flatMap((d) => [d.eventId, d.dueAt, JSON.stringify(d)]));
        }),
      ),
    );
  }

  async due(endpointId: string, nowMs: number, limit: number): Promise<ScheduledDelivery[]> {
    if (limit <= 0) return [];
    const k = this.keys.webhook(endpointId);
    const found = (await this.run((c) => c.sessiondDue(k.due, k.payloads, nowMs, limit))) as (string | null)[];
    return found.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as ScheduledDelivery);
  }

  async unschedule(endpointId: string, eventIds: readonly string[]): Promise<void> {
    if (eventIds.length === 0) return;
    const k = this.keys.webhook(endpointId);
    await this.run((c) => c.sessiondUnschedule(k.due, k.payloads, ...eventIds));
  }

  async logAttempts(attempts: readonly DeliveryAttempt[], keepAfterMs: number): Promise<void> {
    const byEndpoint = new Map<string, DeliveryAttempt[]>();
    for (const a of attempts) byEndpoint.set(a.endpointId, [...(byEndpoint.get(a.endpointId) ?? []), a]);
    await this.run((c) =>
      Promise.all(
        [...byEndpoint].map(([endpointId, list]) => {
          const k = this.keys.webhook(endpointId);
          return c.sessiondLogAttempts(k.log, k.logIds, k.logTimes, keepAfterMs, ...list.flatMap((a) => [a.id, a.at, JSON.stringify(a)]));
        }),
      ),
    );
  }

  async attempts(endpointId: string, page: PageRequest): Promise<Page<DeliveryAttempt>> {
    const k = this.keys.webhook(endpointId);
    const from = page.afterKey === undefined ? "+" : `(${page.afterKey}`;
    // One more than asked says whether another page follows.
    const ids = await this.run((c) => c.zrevrangebylex(k.logIds, from, "-", "LIMIT", page.offset ?? 0, page.limit + 1));
    const shown = ids.slice(0, page.limit);
    const found = shown.length === 0 ? [] : await this.run((c) => c.hmget(k.log, ...shown));
    const items = found.filter((json): json is string => json !== null).map((json) => JSON.parse(json) as DeliveryAttempt);
    return { items, nextKey: ids.length > page.limit ? shown[shown.length - 1]! : null };
  }
}
