/**
 * `webhook.test` (SPEC §9): sent to the tested endpoint only, never through the feed, with a
 * made-up session so receivers can check their parsing and signature verification end to end.
 */
import type { Event } from "../core/events.js";
import type { Session } from "../core/model.js";
import { newId } from "../core/session-token.js";
import type { DeliveryAttempt, WebhookEndpointRecord } from "../core/store/index.js";
import { wireEvent } from "../http/wire.js";
import { sendAttempt } from "./attempt.js";
import type { RoundContext } from "./round.js";

function exampleSession(tenantId: string, nowMs: number): Session {
  return {
    object: "session",
    id: "sess_test",
    tenantId,
    workspaceId: null,
    userId: "user_test",
    username: null,
    clientId: "client_test",
    status: "ended",
    endReason: "signed_out",
    sessionType: null,
    aud: null,
    scopes: [],
    amr: [],
    actor: null,
    lastActiveOrganizationId: null,
    ip: null,
    userAgent: null,
    location: null,
    boundUserAgent: null,
    slidingExpiration: false,
    maxAgeMinutes: null,
    latestActivity: null,
    metadata: {},
    createdAt: nowMs,
    updatedAt: nowMs,
    lastActiveAt: nowMs,
    lastRefreshedAt: null,
    expireAt: nowMs,
    abandonAt: null,
    revokedAt: null,
    endedAt: nowMs,
    isDeleted: false,
  };
}

/** One attempt, logged like any other (no retry: the caller sees the answer and can test again). */
export async function sendTestEvent(ctx: RoundContext, endpoint: WebhookEndpointRecord): Promise<DeliveryAttempt> {
  const at = ctx.attempt.now();
  const event: Event = {
    object: "event",
    id: newId("evt", at, ctx.random),
    type: "webhook.test",
    tenantId: endpoint.tenantId ?? "default",
    timestamp: at,
    initiatedBy: { type: "api_key", id: null },
    data: exampleSession(endpoint.tenantId ?? "default", at),
  };
  const job = { eventId: event.id, attempt: 1, payload: JSON.stringify(wireEvent(event)), queued: false };
  const result = await sendAttempt(endpoint, job, ctx.attempt);
  const attempt: DeliveryAttempt = {
    id: newId("wha", at, ctx.random),
    endpointId: endpoint.id,
    eventId: event.id,
    attempt: 1,
    status: result.ok ? "succeeded" : "failed",
    responseStatus: result.status,
    durationMs: result.durationMs,
    at,
    nextAttemptAt: null,
    error: result.error,
  };
  await ctx.store.webhooks.logAttempts([attempt], at - ctx.logRetentionMs);
  return attempt;
}
