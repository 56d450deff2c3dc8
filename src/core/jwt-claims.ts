/**
 * Session JWT claims (SPEC §6): which claims a session gets, and for how long.
 * Pure: no keys, no I/O. Signing lives behind {@link TokenSigner}.
 */
import { SessiondError } from "./errors.js";
import { LIMITS } from "./limits.js";
import type { Session } from "./model.js";

/** The claims of a session JWT. Custom template claims sit beside these. */
export interface SessionClaims {
  /** `<public URL>/t/<tenant_id>`: one issuer per tenant. */
  iss: string;
  /** The user id. */
  sub: string;
  /** The session id. */
  sid: string;
  /** The tenant id. */
  tid: string;
  /** The session's status when the JWT was minted: `active`, or `pending` with `accept_pending`. */
  sts: "active" | "pending";
  iat: number;
  nbf: number;
  exp: number;
  amr?: string[];
  /** Scopes, space-separated (RFC 8693 style). */
  scp?: string;
  /** The impersonator, when the session is an impersonation. */
  act?: Record<string, unknown>;
  org_id?: string;
  wid?: string;
  aud?: string;
  [claim: string]: unknown;
}

/** Signs claims and recognises its own JWTs; kept abstract so the core never touches key material. */
export interface TokenSigner {
  sign(claims: SessionClaims): Promise<string>;
  /** The claims of a JWT this deployment signed (signature checked, expiry ignored), or null. */
  readOwn(jwt: string): Promise<Record<string, unknown> | null>;
}

export const DEFAULT_JWT_LIFETIME_SECONDS = 60;
export const MIN_JWT_LIFETIME_SECONDS = LIMITS.integers.jwt_lifetime_seconds.minimum;
export const MAX_JWT_LIFETIME_SECONDS = LIMITS.integers.jwt_lifetime_seconds.maximum;

/** Claims a template may not set: they carry the session's identity and time. */
export const RESERVED_CLAIMS = ["iss", "sub", "sid", "tid", "sts", "iat", "nbf", "exp", "jti", "amr", "scp", "act", "org_id", "wid", "aud"] as const;

/** Session fields a template may copy into its JWTs, and the claim each becomes. */
export const TEMPLATE_SESSION_FIELDS = {
  username: "username",
  client_id: "client_id",
  session_type: "session_type",
  metadata: "metadata",
  created_at: "session_created_at",
  last_active_at: "last_active_at",
  expire_at: "session_expire_at",
  ip: "ip",
  country: "country",
  city: "city",
  device_type: "device_type",
  browser_name: "browser_name",
  os_name: "os_name",
} as const;

export type TemplateSessionField = keyof typeof TEMPLATE_SESSION_FIELDS;

/** Own keys only: a stored field list naming `constructor` or `__proto__` is no session field. */
export function isTemplateSessionField(field: string): field is TemplateSessionField {
  return Object.hasOwn(TEMPLATE_SESSION_FIELDS, field);
}

/** The issuer of a tenant's JWTs. */
export function issuerFor(publicUrl: string, tenantId: string): string {
  return `${publicUrl.replace(/\/+$/, "")}/t/${encodeURIComponent(tenantId)}`;
}

/** Checks a requested lifetime (30–3600 s); undefined means the template's or the default. */
export function jwtLifetimeSeconds(requested: unknown, fallback: number | null): number {
  if (requested === undefined || requested === null) return fallback ?? DEFAULT_JWT_LIFETIME_SECONDS;
  if (typeof requested !== "number" || !Number.isInteger(requested) || requested < MIN_JWT_LIFETIME_SECONDS || requested > MAX_JWT_LIFETIME_SECONDS)
    throw new SessiondError("request_invalid", `expires_in_seconds must be an integer from ${MIN_JWT_LIFETIME_SECONDS} to ${MAX_JWT_LIFETIME_SECONDS}`, {
      details: { field: "expires_in_seconds" },
    });
  return requested;
}

/**
 * The claims of a JWT for a valid session at `nowMs`. `exp` is capped by the session's
 * `expireAt` and `abandonAt`: a JWT never outlives the session's own deadlines.
 */
export function sessionClaims(
  session: Session,
  options: { issuer: string; nowMs: number; lifetimeSeconds: number; template?: { claims: Record<string, unknown>; sessionFields: string[] } },
): SessionClaims {
  const iat = Math.floor(options.nowMs / 1000);
  const deadlines = [
    iat + options.lifetimeSeconds,
    ...[session.expireAt, session.abandonAt].filter((d): d is number => d !== null).map((d) => Math.floor(d / 1000)),
  ];
  const claims: SessionClaims = {
    ...(options.template === undefined ? {} : templateClaims(session, options.template)),
    iss: options.issuer,
    sub: session.userId,
    sid: session.id,
    tid: session.tenantId,
    sts: session.status === "pending" ? "pending" : "active",
    iat,
    nbf: iat,
    exp: Math.min(...deadlines),
  };
  if (session.amr.length > 0) claims.amr = [...session.amr];
  if (session.scopes.length > 0) claims.scp = session.scopes.join(" ");
  if (session.actor !== null) claims.act = { ...session.actor };
  if (session.lastActiveOrganizationId !== null) claims.org_id = session.lastActiveOrganizationId;
  if (session.workspaceId !== null) claims.wid = session.workspaceId;
  if (session.aud !== null) claims.aud = session.aud;
  return claims;
}

function templateClaims(session: Session, template: { claims: Record<string, unknown>; sessionFields: string[] }): Record<string, unknown> {
  const out: Record<string, unknown> = { ...template.claims };
  for (const field of template.sessionFields) if (isTemplateSessionField(field)) out[TEMPLATE_SESSION_FIELDS[field]] = sessionField(session, field);
  return out;
}

function sessionField(session: Session, field: TemplateSessionField): unknown {
  const activity = session.latestActivity;
  switch (field) {
    case "username":
      return session.username;
    case "client_id":
      return session.clientId;
    case "session_type":
      return session.sessionType;
    case "metadata":
      return session.metadata;
    case "created_at":
      return Math.floor(session.createdAt / 1000);
    case "last_active_at":
      return Math.floor(session.lastActiveAt / 1000);
    case "expire_at":
      return session.expireAt === null ? null : Math.floor(session.expireAt / 1000);
    case "ip":
      return session.ip;
    case "country":
      return activity?.country ?? null;
    case "city":
      return activity?.city ?? null;
    case "device_type":
      return activity?.deviceType ?? null;
    case "browser_name":
      return activity?.browserName ?? null;
    case "os_name":
      return activity?.osName ?? null;
  }
}
