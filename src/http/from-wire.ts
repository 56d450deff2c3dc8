/**
 * snake_case request bodies → the library's camelCase requests (SPEC §2, §5): one table per
 * body, each line `libraryName: wire_value`. A field the caller left out stays absent (so the
 * library's default applies), and `null` passes through (a caller's "off" or "clear").
 * What depends on the request itself (tenant, client address) is added by the route.
 */
import type { Static } from "@sinclair/typebox";
import type { CreateSessionInput } from "../core/create.js";
import { definedOnly } from "../core/defined-only.js";
import type { JwtTemplateInput } from "../core/jwt-templates.js";
import type { ClientHints } from "../core/model.js";
import type { TenantPolicy } from "../core/policy.js";
import type { ListRequest } from "../core/service.js";
import type { JwtRefreshRequest, MintRequest } from "../core/session-jwt.js";
import type { SessionUpdate } from "../core/transitions.js";
import type { ClientHintsSchema, CreateSessionBody, ListQuery, PageQuery, PatchBody, PolicyBody } from "./schemas.js";
import type { JwtRefreshBody, TemplatePatchBody, TokenBody } from "./jwt-schemas.js";

/** Seconds on the wire, milliseconds in the library; null (off) and absence pass through. */
function msOf<T extends number | null | undefined>(seconds: T): T {
  return (typeof seconds === "number" ? seconds * 1000 : seconds) as T;
}

/** The create body, but for the tenant and the client's address, user agent and hints. */
export function createFromWire(b: Static<typeof CreateSessionBody>): CreateSessionInput {
  return {
    userId: b.user_id,
    ...definedOnly({
      username: b.username,
      clientId: b.client_id,
      workspaceId: b.workspace_id,
      sessionType: b.session_type,
      aud: b.aud,
      scopes: b.scopes,
      amr: b.amr,
      actor: b.actor,
      activeOrganizationId: b.active_organization_id,
      metadata: b.metadata,
      maxAgeMinutes: b.max_age_minutes,
      lifetimeMs: msOf(b.lifetime_seconds),
      inactivityTimeoutMs: msOf(b.inactivity_timeout_seconds),
      slidingExpiration: b.sliding_expiration,
      bindUserAgent: b.bind_user_agent,
      pending: b.pending,
      replacesSessionId: b.replaces_session_id,
    }),
  };
}

/** The list query's filters and paging, but for the tenant. */
export function listFromWire(q: Static<typeof ListQuery>): ListRequest {
  return definedOnly({
    userId: q.user_id,
    clientId: q.client_id,
    workspaceId: q.workspace_id,
    status: q.status,
    createdAtFrom: q.created_at_from,
    createdAtTo: q.created_at_to,
    limit: q.limit,
    offset: q.offset,
    cursor: q.cursor,
  });
}

export function pageFromWire(q: Static<typeof PageQuery>): { limit?: number; cursor?: string } {
  return definedOnly({ limit: q.limit, cursor: q.cursor });
}

export function patchFromWire(b: Static<typeof PatchBody>): SessionUpdate {
  return definedOnly({
    metadata: b.metadata,
    activeOrganizationId: b.active_organization_id,
    scopes: b.scopes,
    username: b.username,
    workspaceId: b.workspace_id,
  });
}

/** A JWT mint body, but for the tenant. */
export function mintFromWire(b: Static<typeof TokenBody>): MintRequest {
  return definedOnly({ expiresInSeconds: b.expires_in_seconds, acceptPending: b.accept_pending, userAgent: b.user_agent, aud: b.aud });
}

/** Clerk's refresh body, but for the tenant. */
export function jwtRefreshFromWire(b: Static<typeof JwtRefreshBody>): JwtRefreshRequest {
  return {
    refreshToken: b.refresh_token,
    // Clerk's SDK sends "" when it has no expired JWT: that is "not given".
    ...definedOnly({ expiredToken: b.expired_token === "" ? undefined : b.expired_token }),
    ip: b.request_originating_ip ?? null,
    userAgent: forwardedUserAgent(b.request_headers),
  };
}

/** The request's user agent among Clerk's forwarded `request_headers` (any case). */
function forwardedUserAgent(headers: Record<string, string[]> | undefined): string | null {
  if (headers === undefined) return null;
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent");
  return entry?.[1][0] ?? null;
}

export function templateFromWire(b: Static<typeof TemplatePatchBody>): JwtTemplateInput {
  return definedOnly({ claims: b.claims, sessionFields: b.session_fields, lifetimeSeconds: b.lifetime_seconds });
}

/** A tenant policy PUT body in the library's units. */
export function policyFromWire(b: Static<typeof PolicyBody>): TenantPolicy {
  return definedOnly({
    lifetimeMs: msOf(b.lifetime_seconds),
    maxLifetimeMs: msOf(b.max_lifetime_seconds),
    inactivityTimeoutMs: msOf(b.inactivity_timeout_seconds),
    slidingExpiration: b.sliding_expiration,
    maxSessionsPerUser: b.max_sessions_per_user,
    bindUserAgent: b.bind_user_agent,
    pendingTimeoutMs: msOf(b.pending_timeout_seconds),
  });
}

export function clientHintsFromWire(h: Static<typeof ClientHintsSchema> | null | undefined): ClientHints | null {
  if (h === undefined || h === null) return null;
  return definedOnly({ secChUa: h.sec_ch_ua, secChUaMobile: h.sec_ch_ua_mobile, secChUaPlatform: h.sec_ch_ua_platform });
}
