/** Webhook endpoints and delivery attempts as the library shows them (SPEC §9); the wire forms are in src/http/wire.ts. */
import type { DeliveryAttempt, WebhookEndpointRecord } from "./store/index.js";
import type { WebhookFormat } from "./webhook-input.js";

/** A webhook endpoint as the API shows it (never its secret but once: see {@link WebhookEndpointWithSecret}). */
export interface WebhookEndpoint {
  object: "webhook_endpoint";
  id: string;
  /** null: a deployment-wide endpoint (root key) that gets every tenant's events. */
  tenantId: string | null;
  url: string;
  /** Empty: every type. */
  eventTypes: string[];
  description: string | null;
  format: WebhookFormat;
  /** The `aud` of back-channel logout tokens; null for Standard Webhooks endpoints. */
  audience: string | null;
  disabled: boolean;
  createdAt: number;
}

/** An endpoint with its signing secret: the answer of create and rotateSecret, the only times it is shown. */
export type WebhookEndpointWithSecret = WebhookEndpoint & { secret: string };

/** One attempt to deliver one event (SPEC §9 `webhook_delivery`). */
export interface WebhookDelivery {
  object: "webhook_delivery";
  eventId: string;
  attempt: number;
  status: DeliveryAttempt["status"];
  responseStatus: number | null;
  durationMs: number;
  at: number;
  nextAttemptAt: number | null;
}

export function toWebhookEndpoint(r: WebhookEndpointRecord): WebhookEndpoint {
  return {
    object: "webhook_endpoint",
    id: r.id,
    tenantId: r.tenantId,
    url: r.url,
    eventTypes: [...r.eventTypes],
    description: r.description,
    format: r.format,
    audience: r.audience,
    disabled: r.disabled,
    createdAt: r.createdAt,
  };
}

export function toWebhookDelivery(a: DeliveryAttempt): WebhookDelivery {
  const { eventId, attempt, status, responseStatus, durationMs, at, nextAttemptAt } = a;
  return { object: "webhook_delivery", eventId, attempt, status, responseStatus, durationMs, at, nextAttemptAt };
}
