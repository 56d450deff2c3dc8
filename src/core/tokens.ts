/**
 * Session JWTs (SPEC §6): minting for a valid session, Clerk's refresh, and the
 * tenant's JWT templates. Keys stay behind {@link TokenSigner}.
 */
import type { ServiceContext, Scope } from "./context.js";
import { SessiondError } from "./errors.js";
import * as input from "./input.js";
import {
  MAX_JWT_LIFETIME_SECONDS, MIN_JWT_LIFETIME_SECONDS, RESERVED_CLAIMS, type SessionClaims, TEMPLATE_SESSION_FIELDS, type TokenSigner, isTemplateSessionField, issuerFor, jwtLifetimeSeconds, sessionClaims,
} from "./jwt-claims.js";
import type { Session } from "./model.js";
import { judge } from "./verdict.js";
import type { JwtTemplateRecord } from "./store.js";
import { loadScoped } from "./transitions.js";
import { consumeOnce, failure, verifySession } from "./use.js";
import { toSession } from "./view.js";

/** How the service mints JWTs: who signs, and the public URL issuers are built from. */
export interface JwtSettings {
  signer: TokenSigner;
  /** `iss` is `<publicUrl>/t/<tenant_id>`; a function when it is known only later (a server's port). */
  publicUrl: string | (() => string);
}

/** A minted session JWT. */
export interface SessionJwt {
  object: "token";
  jwt: string;
  claims: SessionClaims;
}

/** Options of {@link mintJwt}. */
export interface MintRequest extends Scope {
  /** A template of the session's tenant. */
  template?: string;
  /** 30–3600; default the template's lifetime, else 60. */
  expiresInSeconds?: number;
  acceptPending?: boolean;
  /** When given, a session bound to another user agent gets no JWT. */
  userAgent?: string | null;
  aud?: string;
}

/** Options of {@link refreshJwt} (Clerk's `POST /sessions/{id}/refresh`). */
export interface JwtRefreshRequest extends Scope {
  /** The session token. */
  refreshToken: string;
  /** When given, must be a JWT this deployment signed for this session (expired or not). */
  expiredToken?: string;
  ip?: string | null;
  userAgent?: string | null;
  expiresInSeconds?: number;
}

/** A template as a tenant defines it. */
export interface JwtTemplateInput {
  claims?: Record<string, unknown>;
  sessionFields?: string[];
  lifetimeSeconds?: number | null;
}

const TEMPLATE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const MAX_TEMPLATE_CLAIMS_BYTES = 4096;

function settingsOf(jwt: JwtSettings | null): JwtSettings {
  if (jwt === null) throw new SessiondError("signing_key_unavailable", "this service was created without a JWT signer");
  return jwt;
}

/** Signs the claims of a valid session. */
async function sign(ctx: ServiceContext, jwt: JwtSettings, session: Session, req: { template?: string; expiresInSeconds?: number }): Promise<SessionJwt> {
  const template = req.template === undefined ? undefined : await loadTemplate(ctx, session.tenantId, req.template);
  const lifetimeSeconds = jwtLifetimeSeconds(req.expiresInSeconds, template?.lifetimeSeconds ?? null);
  const claims = sessionClaims(session, {
    issuer: issuerFor(typeof jwt.publicUrl === "string" ? jwt.publicUrl : jwt.publicUrl(), session.tenantId),
    nowMs: ctx.clock.now(),
    lifetimeSeconds,
    ...(template === undefined ? {} : { template }),
  });
  return { object: "token", jwt: await jwt.signer.sign(claims), claims };
}

/** Tries before giving up when a one-time session keeps changing under a mint. */
const MINT_ATTEMPTS = 8;

/**
 * A JWT for session `id`, which must be valid now (pending only with `acceptPending`).
 * Minting is a use: a `one_time_access` session is consumed by it (`one_time_used`) exactly
 * as by its first verify, and of racing mints and verifies exactly one succeeds.
 */
export async function mintJwt(ctx: ServiceContext, jwt: JwtSettings | null, id: string, req: MintRequest = {}): Promise<SessionJwt> {
  const settings = settingsOf(jwt);
  for (let attempt = 0; attempt < MINT_ATTEMPTS; attempt++) {
    const record = await loadScoped(ctx, id, req);
    if (record.isDeleted) throw failure("token_invalid");
    const now = ctx.clock.now();
    // An API-key call by id: the bound user agent is checked only when the caller names one.
    const userAgent = req.userAgent === undefined || req.userAgent === null ? record.boundUserAgent : input.userAgent(req.userAgent);
    const verdict = judge(record, { userAgent, ...(req.aud === undefined ? {} : { aud: req.aud }), ...(req.acceptPending === true ? { acceptPending: true } : {}) }, now, Infinity);
    if (!verdict.valid) throw failure(verdict.code);
    // Signed before the one-time session is consumed, so a bad template or lifetime, or no
    // signing key, leaves it unused; the JWT is handed out only if this mint won the consume.
    const minted = await sign(ctx, settings, toSession(record, now), req);
    if (record.sessionType !== "one_time_access") return minted;
    if ((await consumeOnce(ctx, record, now)) !== null) return minted;
    // Another mint or verify changed it first: judge it again as it is now.
  }
  throw new SessiondError("conflict", "the session kept changing; try again");
}

/**
 * Clerk's refresh: the session token proves the session (a use, with the reuse rules of
 * SPEC §3 and activity recorded); the expired JWT, when sent, must be ours and this session's.
 */
export async function refreshJwt(ctx: ServiceContext, jwt: JwtSettings | null, id: string, req: JwtRefreshRequest): Promise<SessionJwt> {
  const settings = settingsOf(jwt);
  await loadScoped(ctx, id, req);
  if (req.expiredToken !== undefined) {
    const previous = typeof req.expiredToken === "string" ? await settings.signer.readOwn(req.expiredToken) : null;
    if (previous === null || previous["sid"] !== id) throw new SessiondError("token_invalid", "expired_token is not a session JWT of this session", { details: { field: "expired_token" } });
  }
  const verified = await verifySession(ctx, req.refreshToken, {
    sessionId: id,
    ...(req.tenantId === undefined ? {} : { tenantId: req.tenantId }),
    ip: req.ip ?? null,
    userAgent: req.userAgent ?? null,
  });
  if (!verified.valid) throw failure(verified.code);
  return sign(ctx, settings, verified.session, req);
}

async function loadTemplate(ctx: ServiceContext, tenantId: string, name: string): Promise<JwtTemplateRecord> {
  const template = await ctx.store.getTemplate(tenantId, templateName(name));
  if (template === null) throw new SessiondError("resource_not_found", "no such JWT template", { details: { template: name } });
  return template;
}

function templateName(value: unknown): string {
  if (typeof value !== "string" || !TEMPLATE_NAME.test(value))
    throw new SessiondError("request_invalid", "name must be 1–64 letters, digits, '_', '.' or '-'", { details: { field: "name" } });
  return value;
}

function templateClaimsInput(value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  const claims = input.jsonObject("claims", value, MAX_TEMPLATE_CLAIMS_BYTES);
  const reserved = Object.keys(claims).filter((k) => (RESERVED_CLAIMS as readonly string[]).includes(k));
  if (reserved.length > 0) throw new SessiondError("request_invalid", `claims may not set ${reserved.join(", ")}: sessiond sets them`, { details: { field: "claims" } });
  return claims;
}

function sessionFieldsInput(value: unknown): string[] {
  const fields = input.stringList("session_fields", value, Object.keys(TEMPLATE_SESSION_FIELDS).length, 32);
  const unknown = fields.filter((f) => !isTemplateSessionField(f));
  if (unknown.length > 0)
    throw new SessiondError("request_invalid", `session_fields: unknown ${unknown.join(", ")}; known: ${Object.keys(TEMPLATE_SESSION_FIELDS).join(", ")}`, { details: { field: "session_fields" } });
  return [...new Set(fields)];
}

function lifetimeInput(value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < MIN_JWT_LIFETIME_SECONDS || value > MAX_JWT_LIFETIME_SECONDS)
    throw new SessiondError("request_invalid", `lifetime_seconds must be an integer from ${MIN_JWT_LIFETIME_SECONDS} to ${MAX_JWT_LIFETIME_SECONDS}`, { details: { field: "lifetime_seconds" } });
  return value;
}

/** The tenant's templates, by name. */
export async function listTemplates(ctx: ServiceContext, tenantId: string): Promise<JwtTemplateRecord[]> {
  return (await ctx.store.listTemplates(input.tenantId(tenantId))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export async function getTemplate(ctx: ServiceContext, tenantId: string, name: string): Promise<JwtTemplateRecord> {
  return loadTemplate(ctx, input.tenantId(tenantId), name);
}

/** Creates or replaces a template; fields left out take their defaults. */
export async function putTemplate(ctx: ServiceContext, tenantId: string, name: string, template: JwtTemplateInput): Promise<JwtTemplateRecord> {
  const tenant = input.tenantId(tenantId);
  const key = templateName(name);
  const existing = await ctx.store.getTemplate(tenant, key);
  const now = ctx.clock.now();
  const record: JwtTemplateRecord = {
    tenantId: tenant,
    name: key,
    claims: templateClaimsInput(template.claims),
    sessionFields: sessionFieldsInput(template.sessionFields),
    lifetimeSeconds: lifetimeInput(template.lifetimeSeconds),
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
  };
  await ctx.store.putTemplate(record);
  return record;
}

/** Changes only the fields given. */
export async function patchTemplate(ctx: ServiceContext, tenantId: string, name: string, patch: JwtTemplateInput): Promise<JwtTemplateRecord> {
  const existing = await getTemplate(ctx, tenantId, name);
  return putTemplate(ctx, tenantId, name, {
    claims: patch.claims ?? existing.claims,
    sessionFields: patch.sessionFields ?? existing.sessionFields,
    lifetimeSeconds: patch.lifetimeSeconds === undefined ? existing.lifetimeSeconds : patch.lifetimeSeconds,
  });
}

export async function deleteTemplate(ctx: ServiceContext, tenantId: string, name: string): Promise<JwtTemplateRecord> {
  const existing = await getTemplate(ctx, tenantId, name);
  await ctx.store.deleteTemplate(existing.tenantId, existing.name);
  return existing;
}
