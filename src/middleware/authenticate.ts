/**
 * The framework-neutral core of the Express, Fastify and Hono middleware: find the request's
 * credential, verify it, and say who the user is or what to answer instead.
 */
import { SessiondError } from "../core/errors.js";
import type { SessionClaims } from "../core/jwt-claims.js";
import { TOKEN_PATTERN } from "../core/token.js";
import { HTTP_STATUS, errorBody, newTraceId } from "../http/errors.js";
import { type JwtVerifier, createJwtVerifier, jwksUrlFor } from "../jwt/verifier.js";
import { SESSION_COOKIE_NAME, readCookie } from "./cookie.js";
import { type RequestFacts, clientIp } from "./request.js";
import { type WireSession, sessionVerifier } from "./verify-session.js";

/** Options of the Express, Fastify and Hono middleware. */
export interface SessiondAuthOptions {
  /** The sessiond server's base URL, e.g. `https://sessiond.internal:7420`. */
  sessiondUrl: string;
  /** An API key for verifying session tokens through sessiond; a tenant key scopes the app to its tenant. */
  apiKey: string;
  /** The tenant's JWT issuer (`issuerFor(publicUrl, tenantId)`): set it to accept JWT bearer tokens, checked against `<sessiondUrl>/v1/jwks`. */
  issuer?: string;
  /** A prebuilt JWT verifier, instead of `issuer`. */
  verifier?: JwtVerifier;
  /** Default `__Host-sessiond`. */
  cookieName?: string;
  /** Without a valid credential, go on unauthenticated (`sessiond` = null) instead of answering 401. */
  optional?: boolean;
  /** Take the user's address from the first `X-Forwarded-For` hop; only behind a proxy that sets it. */
  trustProxy?: boolean;
  /** For tests. */
  fetch?: typeof fetch;
}

/** A user authenticated by a session JWT, checked locally. */
export interface JwtAuth {
  kind: "jwt";
  userId: string;
  sessionId: string;
  tenantId: string;
  claims: SessionClaims;
}

/** A user authenticated by a session token, checked by sessiond (revocation is seen at once). */
export interface SessionAuth {
  kind: "session";
  userId: string;
  sessionId: string;
  tenantId: string;
  /** The session, in the REST wire format (SPEC §2). */
  session: WireSession;
}

/** Who the request is from: `req.sessiond` (Express, Fastify), `c.get("sessiond")` (Hono). */
export type AuthContext = JwtAuth | SessionAuth;

/** The response to send instead of calling the route: SPEC §4 body, `Content-Type: application/json`. */
export interface AuthFailure {
  status: number;
  body: string;
}

export type AuthOutcome = { ok: true; auth: AuthContext | null } | { ok: false; failure: AuthFailure };

/**
 * Builds the per-request check the adapters call. Only a failure to authenticate becomes an
 * {@link AuthFailure}; anything else (a bug, a misconfigured API key) is thrown for the
 * framework's error handler to log.
 * @throws TypeError for missing `sessiondUrl`/`apiKey`, or both `issuer` and `verifier`.
 */
export function createAuthenticator(options: SessiondAuthOptions): (facts: RequestFacts) => Promise<AuthOutcome> {
  if (typeof options.sessiondUrl !== "string" || options.sessiondUrl === "") throw new TypeError("sessiond middleware: sessiondUrl is required");
  if (typeof options.apiKey !== "string" || options.apiKey === "") throw new TypeError("sessiond middleware: apiKey is required");
  if (options.issuer !== undefined && options.verifier !== undefined) throw new TypeError("sessiond middleware: give issuer or verifier, not both");
  const jwtVerifier = options.verifier ?? (options.issuer === undefined ? undefined : createJwtVerifier({ jwksUrl: jwksUrlFor(options.sessiondUrl), issuer: options.issuer }));
  const checkSession = sessionVerifier(options.sessiondUrl, options.apiKey, options.fetch ?? fetch);
  const cookieName = options.cookieName ?? SESSION_COOKIE_NAME;

  const check = async (credential: Credential, facts: RequestFacts): Promise<AuthContext> => {
    if (credential.kind === "jwt") {
      const claims = await credential.verifier.verify(credential.value);
      return { kind: "jwt", userId: claims.sub, sessionId: claims.sid, tenantId: claims.tid, claims };
    }
    // Not the shape of a token: refused here, without a round trip to sessiond.
    if (!TOKEN_PATTERN.test(credential.value)) throw new SessiondError("token_invalid", "the session token is malformed");
    const session = await checkSession({ token: credential.value, ip: clientIp(facts, options.trustProxy === true), userAgent: facts.header("user-agent") });
    return { kind: "session", userId: session.user_id, sessionId: session.id, tenantId: session.tenant_id, session };
  };

  return async (facts) => {
    const credential = credentialOf(facts, cookieName, jwtVerifier);
    if (credential === null)
      return options.optional === true ? { ok: true, auth: null } : { ok: false, failure: failureOf(new SessiondError("token_invalid", "no session cookie or bearer token")) };
    try {
      return { ok: true, auth: await check(credential, facts) };
    } catch (error) {
      if (!(error instanceof SessiondError)) throw error;
      // The browser sends a stale or revoked cookie on its own: on an optional route that is a
      // visitor. A bearer was sent on purpose, and its client needs the 401 to get a new one.
      if (options.optional === true && credential.kind === "cookie" && HTTP_STATUS[error.code] === 401) return { ok: true, auth: null };
      return { ok: false, failure: failureOf(error) };
    }
  };
}

type Credential = { kind: "jwt"; value: string; verifier: JwtVerifier } | { kind: "bearer" | "cookie"; value: string };

/** The request's credential: a bearer JWT or session token first, else the session cookie. */
function credentialOf(facts: RequestFacts, cookieName: string, verifier: JwtVerifier | undefined): Credential | null {
  const bearer = /^Bearer +(\S+)\s*$/i.exec(facts.header("authorization") ?? "")?.[1];
  const dots = bearer?.split(".").length;
  // Without a verifier the app did not ask for JWTs: such a bearer is not ours to judge.
  if (bearer !== undefined && dots === 3 && verifier !== undefined) return { kind: "jwt", value: bearer, verifier };
  // A session token as bearer serves clients without cookies (mobile apps, CLIs).
  if (bearer !== undefined && dots === 2) return { kind: "bearer", value: bearer };
  const cookie = readCookie(facts.header("cookie"), cookieName);
  return cookie === undefined ? null : { kind: "cookie", value: cookie };
}

function failureOf(error: SessiondError): AuthFailure {
  return { status: HTTP_STATUS[error.code], body: JSON.stringify(errorBody(error.code, error.message, newTraceId(), error.details ?? {})) };
}
