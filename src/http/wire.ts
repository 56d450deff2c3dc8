/** camelCase library objects → snake_case wire objects (SPEC §2); requests the other way are in from-wire.ts. */
import type { ApiKey } from "../core/api-keys.js";
import { definedOnly } from "../core/defined-only.js";
import type { Event } from "../core/events.js";
import type { ActivityEntry, Session, SessionActivity } from "../core/model.js";
import type { PolicyView } from "../core/service.js";
import type { JwtTemplateRecord, SessionStats, UserSessions } from "../core/store/index.js";
import type { WireActivity, WireActivityEntry, WireSession } from "./schemas.js";

export function wireActivity(a: SessionActivity): WireActivity {
  return {
    object: "session_activity",
    id: a.id,
    is_mobile: a.isMobile,
    ip_address: a.ipAddress,
    city: a.city,
    country: a.country,
    browser_name: a.browserName,
    browser_version: a.browserVersion,
    device_type: a.deviceType,
    os_name: a.osName,
  };
}

export function wireActivityEntry(a: ActivityEntry): WireActivityEntry {
  return { ...wireActivity(a), at: a.at, changed: a.changed };
}

export function wireSession(s: Session): WireSession {
  return {
    object: "session",
    id: s.id,
    tenant_id: s.tenantId,
    workspace_id: s.workspaceId,
    user_id: s.userId,
    username: s.username,
    client_id: s.clientId,
    status: s.status,
    end_reason: s.endReason,
    session_type: s.sessionType,
    aud: s.aud,
    scopes: s.scopes,
    amr: s.amr,
    actor: s.actor,
    last_active_organization_id: s.lastActiveOrganizationId,
    ip: s.ip,
    user_agent: s.userAgent,
    location: s.location,
    bound_user_agent: s.boundUserAgent,
    sliding_expiration: s.slidingExpiration,
    max_age_minutes: s.maxAgeMinutes,
    latest_activity: s.latestActivity === null ? null : wireActivity(s.latestActivity),
    metadata: s.metadata,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    last_active_at: s.lastActiveAt,
    last_refreshed_at: s.lastRefreshedAt,
    expire_at: s.expireAt,
    abandon_at: s.abandonAt,
    revoked_at: s.revokedAt,
    ended_at: s.endedAt,
    is_deleted: s.isDeleted,
  };
}

export function wireUser(u: UserSessions) {
  return { object: "user_sessions" as const, user_id: u.userId, username: u.username, active_sessions: u.activeSessions, last_active_at: u.lastActiveAt };
}

/**
 * Copies a count map's own entries into an object without a prototype, so that a key such as
 * `constructor`, `toString` or `__proto__` is written out as an ordinary key with its count.
 */
function wireCounts(counts: Record<string, number>): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const [key, n] of Object.entries(counts)) out[key] = n;
  return out;
}

export function wireStats(s: SessionStats) {
  return {
    object: "stats" as const,
    active_sessions: s.activeSessions,
    distinct_users: s.distinctUsers,
    by_status: wireCounts(s.byStatus),
    by_country: wireCounts(s.byCountry),
    by_browser: wireCounts(s.byBrowser),
    by_device_type: wireCounts(s.byDeviceType),
    by_os: wireCounts(s.byOs),
  };
}

export function wireApiKey(k: ApiKey) {
  return { object: "api_key" as const, id: k.id, tenant_id: k.tenantId, name: k.name, created_at: k.createdAt, revoked_at: k.revokedAt };
}

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));
const secondsOf = (ms: number | null | undefined) => (ms === undefined ? undefined : seconds(ms));

export function wirePolicy(p: PolicyView) {
  const o = p.overrides;
  const overrides = definedOnly({
    lifetime_seconds: secondsOf(o.lifetimeMs),
    max_lifetime_seconds: secondsOf(o.maxLifetimeMs),
    inactivity_timeout_seconds: secondsOf(o.inactivityTimeoutMs),
    sliding_expiration: o.slidingExpiration,
    max_sessions_per_user: o.maxSessionsPerUser,
    bind_user_agent: o.bindUserAgent,
    pending_timeout_seconds: secondsOf(o.pendingTimeoutMs),
  });
  const e = p.effective;
  return {
    object: "tenant_policy" as const,
    tenant_id: p.tenantId,
    lifetime_seconds: seconds(e.lifetimeMs)!,
    max_lifetime_seconds: seconds(e.maxLifetimeMs)!,
    inactivity_timeout_seconds: seconds(e.inactivityTimeoutMs),
    sliding_expiration: e.slidingExpiration,
    max_sessions_per_user: e.maxSessionsPerUser,
    bind_user_agent: e.bindUserAgent,
    pending_timeout_seconds: seconds(e.pendingTimeoutMs)!,
    overrides,
  };
}

export function wireTemplate(t: JwtTemplateRecord) {
  return {
    object: "jwt_template" as const,
    tenant_id: t.tenantId,
    name: t.name,
    claims: t.claims,
    session_fields: t.sessionFields,
    lifetime_seconds: t.lifetimeSeconds,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}

/** An event on the wire (SPEC §9): the body of a webhook and an item of `GET /v1/events`. */
export function wireEvent(e: Event) {
  return {
    object: "event" as const,
    id: e.id,
    type: e.type,
    tenant_id: e.tenantId,
    timestamp: e.timestamp,
    initiated_by: { type: e.initiatedBy.type, id: e.initiatedBy.id },
    ...definedOnly({ signals: e.signals && { new_device: e.signals.newDevice, new_country: e.signals.newCountry, new_browser: e.signals.newBrowser } }),
    data: wireSession(e.data),
  };
}

// Webhook endpoints (SPEC §9). Types imported inline: this end of the file is shared by several changes at once.
export function wireWebhookEndpoint(e: import("../core/webhooks.js").WebhookEndpoint) {
  return {
    object: "webhook_endpoint" as const,
    id: e.id,
    tenant_id: e.tenantId,
    url: e.url,
    event_types: e.eventTypes,
    description: e.description,
    format: e.format,
    audience: e.audience,
    disabled: e.disabled,
    created_at: e.createdAt,
  };
}

/** With the signing secret: only the answers of create and rotate_secret. */
export function wireWebhookEndpointWithSecret(e: import("../core/webhooks.js").WebhookEndpointWithSecret) {
  return { ...wireWebhookEndpoint(e), secret: e.secret };
}

export function wireWebhookDelivery(d: import("../core/webhooks.js").WebhookDelivery) {
  return {
    object: "webhook_delivery" as const,
    event_id: d.eventId,
    attempt: d.attempt,
    status: d.status,
    response_status: d.responseStatus,
    duration_ms: d.durationMs,
    at: d.at,
    next_attempt_at: d.nextAttemptAt,
  };
}
