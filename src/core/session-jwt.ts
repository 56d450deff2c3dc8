/**
 * Session JWTs (SPEC §6): minting for a valid session and Clerk's refresh. Keys stay behind
 * {@link TokenSigner}; claims are built in jwt-claims.ts, templates kept in jwt-templates.ts.
 */
import type { Scope, ServiceContext } from "./context.js";
import { definedOnly } from "./defined-only.js";
import { SessiondError } from "./errors.js";
import * as input from "./input.js";
import type { Session } from "./model.js";
import { judge } from "./verdict.js";
import { toSession } from "./view.js";
import { issuerFor, jwtLifetimeSeconds, type SessionClaims, sessionClaims, type TokenSigner } from "./jwt-claims.js";
import { loadScoped } from "./transitions.js";
import { consumeOnce, failure, verifySession } from "./verify.js";
import { loadTemplate } from "./jwt-templates.js";

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
    ...definedOnly({ template }),
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
    const verdict = judge(record, { userAgent, ...definedOnly({ aud: req.aud, acceptPending: req.acceptPending === true ? true : undefined }) }, now, Infinity);
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
    if (previous === null || previous.sid !== id)
      throw new SessiondError("token_invalid", "expired_token is not a session JWT of this session", { details: { field: "expired_token" } });
  }
  const verified = await verifySession(ctx, req.refreshToken, {
    sessionId: id,
    ...definedOnly({ tenantId: req.tenantId }),
    ip: req.ip ?? null,
    userAgent: req.userAgent ?? null,
  });
  if (!verified.valid) throw failure(verified.code);
  return sign(ctx, settings, verified.session, req);
}
