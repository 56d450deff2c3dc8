/** The memory store's webhook endpoints, retry queue and delivery log. */
import { SessiondError } from "../../core/errors.js";
import type { DeliveryAttempt, Page, PageRequest, ScheduledDelivery, WebhookEndpointRecord, WebhookStore } from "../../core/store/index.js";
import { pageById } from "../paging.js";

export class MemoryWebhooks implements WebhookStore {
  private readonly endpoints = new Map<string, WebhookEndpointRecord>();
  /** endpoint id → event id → delivery. */
  private readonly queue = new Map<string, Map<string, ScheduledDelivery>>();
  private readonly log = new Map<string, DeliveryAttempt[]>();

  async insert(endpoint: WebhookEndpointRecord): Promise<void> {
    if (this.endpoints.has(endpoint.id)) throw new SessiondError("conflict", "webhook endpoint id already exists");
    this.endpoints.set(endpoint.id, structuredClone(endpoint));
  }

  async get(id: string): Promise<WebhookEndpointRecord | null> {
    const found = this.endpoints.get(id);
    return found === undefined ? null : structuredClone(found);
  }

  async list(tenantId: string | undefined): Promise<WebhookEndpointRecord[]> {
    return [...this.endpoints.values()]
      .filter((e) => tenantId === undefined || e.tenantId === tenantId)
      .sort((a, b) => (a.id < b.id ? -1 : 1))
      .map((e) => structuredClone(e));
  }

  async replace(endpoint: WebhookEndpointRecord, expectVersion: number): Promise<boolean> {
    const stored = this.endpoints.get(endpoint.id);
    if (stored === undefined || stored.version !== expectVersion) return false;
    this.endpoints.set(endpoint.id, { ...structuredClone(endpoint), version: expectVersion + 1 });
    return true;
  }

  async delete(id: string): Promise<boolean> {
    this.queue.delete(id);
    this.log.delete(id);
    return this.endpoints.delete(id);
  }

  async schedule(deliveries: readonly ScheduledDelivery[]): Promise<void> {
    for (const d of deliveries) {
      const forEndpoint = this.queue.get(d.endpointId) ?? new Map<string, ScheduledDelivery>();
      forEndpoint.set(d.eventId, { ...d });
      this.queue.set(d.endpointId, forEndpoint);
    }
  }

  async due(endpointId: string, nowMs: number, limit: number): Promise<ScheduledDelivery[]> {
    return [...(this.queue.get(endpointId)?.values() ?? [])]
      .filter((d) => d.dueAt <= nowMs)
      .sort((a, b) => a.dueAt - b.dueAt || (a.eventId < b.eventId ? -1 : 1))
      .slice(0, limit)
      .map((d) => ({ ...d }));
  }

  async unschedule(endpointId: string, eventIds: readonly string[]): Promise<void> {
    const forEndpoint = this.queue.get(endpointId);
    for (const id of eventIds) forEndpoint?.delete(id);
  }

  async logAttempts(attempts: readonly DeliveryAttempt[], keepAfterMs: number): Promise<void> {
    for (const a of attempts) {
      const list = this.log.get(a.endpointId) ?? [];
      if (!list.some((x) => x.id === a.id)) list.push({ ...a });
      this.log.set(
        a.endpointId,
        list.filter((x) => x.at >= keepAfterMs),
      );
    }
  }

  async attempts(endpointId: string, page: PageRequest): Promise<Page<DeliveryAttempt>> {
    const newestFirst = [...(this.log.get(endpointId) ?? [])].sort((a, b) => (a.id < b.id ? 1 : -1));
    const result = pageById(newestFirst, page);
    return { items: result.items.map((a) => ({ ...a })), nextKey: result.nextKey };
  }
}
