/**
 * The webhook role of the store contract (SPEC §9; its consumers: src/core/webhooks.ts and the
 * dispatcher): endpoints with their dispatch state, the retry queue and the delivery log.
 * Backends persist an endpoint as one JSON document (every field but `id`, `tenantId` and
 * `version` only needs to round-trip), so the dispatcher's state can grow without migrations.
 */
import type { Page, PageRequest } from "./sessions.js";

/** A signing secret as the caller stored it (encrypted by the caller when a key-encryption key is set). */
export interface WebhookSecretRecord {
  secret: string;
  /** null: the current secret; else it still signs until then (a rotation's overlap). */
  expiresAt: number | null;
}

/** Where the dispatcher is in an endpoint's stream of events; written with {@link WebhookStore.replace}. */
export interface WebhookDispatchState {
  /** Outbox position after the last event handed off (delivered, or queued for a retry); null: not started. */
  cursor: string | null;
  /** The server delivering to this endpoint now, until `leaseUntil` (ms). */
  leaseHolder: string | null;
  leaseUntil: number;
  /** When the current run of failures began; null after a success. */
  failingSince: number | null;
  /** When a new event may next be tried (an endpoint that fails everything backs off as a whole). */
  pausedUntil: number;
  /** Consecutive attempts that failed (the endpoint's own backoff step). */
  failedAttempts: number;
}

export interface WebhookEndpointRecord {
  id: string;
  /** null: a deployment-wide endpoint (root key) that gets every tenant's events. */
  tenantId: string | null;
  url: string;
  /** Empty: every type. */
  eventTypes: string[];
  description: string | null;
  format: "standard_webhooks" | "oidc_backchannel_logout";
  audience: string | null;
  disabled: boolean;
  /** Why it was disabled: "manual", or "failing" (5 days of failures). */
  disabledReason: string | null;
  createdAt: number;
  updatedAt: number;
  /** Newest first. */
  secrets: WebhookSecretRecord[];
  dispatch: WebhookDispatchState;
  version: number;
}

/** An event waiting for its next attempt at one endpoint. */
export interface ScheduledDelivery {
  endpointId: string;
  eventId: string;
  /** The attempt this will be (2 = the first retry). */
  attempt: number;
  dueAt: number;
  /** The event's JSON (the wire form), so a retry needs no outbox read and survives the event's purge. */
  payload: string;
}

/** One attempt to deliver one event to one endpoint (SPEC §9 `webhook_delivery`). */
export interface DeliveryAttempt {
  /** Unique; sortable by time (`wha_` + time + random), so the log pages newest first by id. */
  id: string;
  endpointId: string;
  eventId: string;
  attempt: number;
  status: "succeeded" | "failed" | "pending";
  responseStatus: number | null;
  durationMs: number;
  at: number;
  nextAttemptAt: number | null;
  /** A short reason of a failure without a response (timeout, refused address, …); never a secret. */
  error: string | null;
}

export interface WebhookStore {
  /** MUST store the endpoint, and throw `conflict` if its id exists. */
  insert(endpoint: WebhookEndpointRecord): Promise<void>;

  /** MUST return the endpoint by id, or null. */
  get(id: string): Promise<WebhookEndpointRecord | null>;

  /** MUST list one tenant's endpoints (not the deployment-wide ones), or with `undefined` every endpoint, by id. */
  list(tenantId: string | undefined): Promise<WebhookEndpointRecord[]>;

  /**
   * MUST store `endpoint` with `version` = `expectVersion + 1` only if the stored version equals
   * `expectVersion`; returns false (changing nothing) when it does not or the id is unknown.
   */
  replace(endpoint: WebhookEndpointRecord, expectVersion: number): Promise<boolean>;

  /** MUST delete the endpoint with its queue and log; returns whether it existed. */
  delete(id: string): Promise<boolean>;

  /** MUST store each delivery, replacing one of the same endpoint and event. */
  schedule(deliveries: readonly ScheduledDelivery[]): Promise<void>;

  /** MUST return at most `limit` of the endpoint's deliveries due at `nowMs`, earliest first. */
  due(endpointId: string, nowMs: number, limit: number): Promise<ScheduledDelivery[]>;

  /** MUST remove the endpoint's queued deliveries of these events; unknown ones are no error. */
  unschedule(endpointId: string, eventIds: readonly string[]): Promise<void>;

  /** MUST append the attempts (an id already stored is no error) and MAY delete attempts made before `keepAfterMs`. */
  logAttempts(attempts: readonly DeliveryAttempt[], keepAfterMs: number): Promise<void>;

  /** MUST page the endpoint's attempts, newest first (by id). */
  attempts(endpointId: string, page: PageRequest): Promise<Page<DeliveryAttempt>>;
}
