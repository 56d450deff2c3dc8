/**
 * The framework-neutral core of the Express, Fastify and Hono middleware: find the request's
 * credential, verify it, and say who the user is or what to answer instead.
 */
import { SessiondError } from "../core/errors.js";
import { isPrivateIp } from "../core/ip-address.js";
import type { SessionClaims } from "../core/jwt-claims.js";
import { TOKEN_PATTERN } from "../core/session-token.js";
import { HTTP_STATUS, errorBody, newTraceId } from "../http/errors.js";
import { type JwtVerifier, createJwtVerifier, jwksUrlFor } from "../jwt/verifier.js";
import { SESSION_COOKIE_NAME, readCookie } from "./cookie.js";
import { type RequestFacts, clientIp, clientUserAgent } from "./request.js";
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
  /**
   * How many reverse proxies in front of the app append to `X-Forwarded-For`: the user is the
   * entry just before them, counted from the right (entries further left are whatever the
   * client wrote). `true` means 1 (kept for compatibility). Default: none, the socket peer is the user.
   */
  trustProxy?: boolean | number;
  /** Accept sessions whose sign-in is still `pending` (e.g. MFA open), cookie and JWT alike. Default: only `active`. */
  acceptPending?: boolean;
  /** Where the middleware's configuration warnings go (each at most once); default `console`. */
  logger?: { warn(message: string): void };
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

/** The response to send instead of calling the route: SPEC §4 body, `Content-Type: application/json` (and `Retry-After` on 429). */
export interface AuthFailure {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type AuthOutcome = { ok: true; auth: AuthContext | null } | { ok: false; failure: AuthFailure };

/**
 * Builds the per-request check the adapters call. Only a failure to authenticate becomes an
 * {@link AuthFailure}; anything else (a bug, a misconfigured API key) is thrown for the
 * framework's error handler to log.
 * @throws TypeError for missing `sessiondUrl`/`apiKey`, both `issuer` and `verifier`, or a bad `trustProxy`.
 */
export function createAuthenticator(options: SessiondAuthOptions): (facts: RequestFacts) => Promise<AuthOutcome> {
  if (typeof options.sessiondUrl !== "string" || options.sessiondUrl === "") throw new TypeError("sessiond middleware: sessiondUrl is required");
  if (typeof options.apiKey !== "string" || options.apiKey === "") throw new TypeError("sessiond middleware: apiKey is required");
  if (options.issuer !== undefined && options.verifier !== undefined) throw new TypeError("sessiond middleware: give issuer or verifier, not both");
  const trustedHops = trustedHopsOf(options.trustProxy);
  const acceptPending = options.acceptPending === true;
  const jwtVerifier =
    options.verifier ??
    (options.issuer === undefined ? undefined : createJwtVerifier({ jwksUrl: jwksUrlFor(options.sessiondUrl), issuer: options.issuer, acceptPending }));
  const checkSession = sessionVerifier(options.sessiondUrl, options.apiKey, options.fetch ?? fetch);
  const cookieName = options.cookieName ?? SESSION_COOKIE_NAME;
  const warnIfProxy = proxyAddressWarning(options.logger ?? console, trustedHops);

  const check = async (credential: Credential, facts: RequestFacts): Promise<AuthContext> => {
    if (credential.kind === "jwt") {
      const claims = await credential.verifier.verify(credential.value);
      // Checked here too: a prebuilt verifier may accept pending JWTs for other uses.
      if (claims.sts !== "active" && !(acceptPending && claims.sts === "pending"))
        throw new SessiondError("session_pending", "the session JWT is for a sign-in that is still pending (a step such as MFA is open)");
      return { kind: "jwt", userId: claims.sub, sessionId: claims.sid, tenantId: claims.tid, claims };
    }
    // Not the shape of a token: refused here, without a round trip to sessiond.
    if (!TOKEN_PATTERN.test(credential.value))
      throw new SessiondError("token_invalid", `the session ${credential.kind === "cookie" ? "cookie" : "bearer token"} is not a session token`);
    const ip = clientIp(facts, trustedHops);
    warnIfProxy(ip);
    const session = await checkSession({ token: credential.value, ip, userAgent: clientUserAgent(facts), acceptPending });
    return { kind: "session", userId: session.user_id, sessionId: session.id, tenantId: session.tenant_id, session };
  };

  return async (facts) => {
    const credential = credentialOf(facts, cookieName, jwtVerifier);
    if (credential.kind === "none")
      return options.optional === true ? { ok: true, auth: null } : { ok: false, failure: failureOf(new SessiondError("token_invalid", credential.message)) };
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

/**
 * The request's credential: a bearer JWT or session token first, else the session cookie.
 * Without one, the message says whether nothing was sent or what was sent and not used.
 */
function credentialOf(facts: RequestFacts, cookieName: string, verifier: JwtVerifier | undefined): Credential | { kind: "none"; message: string } {
  const bearer = /^Bearer +(\S+)\s*$/i.exec(facts.header("authorization") ?? "")?.[1];
  const dots = bearer?.split(".").length;
  // Without a verifier the app did not ask for JWTs: such a bearer is not ours to judge.
  if (bearer !== undefined && dots === 3 && verifier !== undefined) return { kind: "jwt", value: bearer, verifier };
  // A session token as bearer serves clients without cookies (mobile apps, CLIs).
  if (bearer !== undefined && dots === 2) return { kind: "bearer", value: bearer };
  const cookieHeader = facts.header("cookie");
  const cookie = readCookie(cookieHeader, cookieName);
  if (cookie !== undefined) return { kind: "cookie", value: cookie };
  if (bearer !== undefined && dots === 3)
    return { kind: "none", message: "a bearer JWT was sent, but this app accepts no session JWTs (the middleware has no issuer or verifier)" };
  if (bearer !== undefined) return { kind: "none", message: "the bearer token is neither a session token nor a session JWT" };
  if (hasCookie(cookieHeader, cookieName)) return { kind: "none", message: `the ${cookieName} cookie was sent with a malformed value` };
  return { kind: "none", message: `no ${cookieName} cookie or bearer token was sent` };
}

function hasCookie(header: string | undefined, name: string): boolean {
  return header?.split(";").some((pair) => pair.slice(0, pair.indexOf("=")).trim() === name) ?? false;
}

/** `trustProxy` as a number of hops. @throws TypeError for anything but a boolean or an integer 0–32. */
function trustedHopsOf(trustProxy: boolean | number | undefined): number {
  if (trustProxy === undefined || trustProxy === false) return 0;
  if (trustProxy === true) return 1;
  if (Number.isInteger(trustProxy) && trustProxy >= 0 && trustProxy <= 32) return trustProxy;
  throw new TypeError("sessiond middleware: trustProxy must be a boolean or the number of proxy hops (0–32)");
}

/**
 * Warns once when the address the middleware is about to send as the end user's is private or
 * loopback: the usual sign of an app behind a reverse proxy without `trustProxy`, where every
 * user would share the proxy's address in activity records and per-address limits.
 */
function proxyAddressWarning(logger: { warn(message: string): void }, trustedHops: number): (ip: string | undefined) => void {
  let warned = false;
  return (ip) => {
    if (warned || ip === undefined || !isPrivateIp(ip)) return;
    warned = true;
    const why =
      trustedHops === 0
        ? "behind a reverse proxy, set trustProxy to the number of proxies"
        : `check that trustProxy (${trustedHops}) counts every proxy in front of the app`;
    logger.warn(
      `sessiond middleware: the end user's address is ${ip}, a private or loopback address; ${why}, or sessiond records and rate-limits all users as one address (this warning is shown once)`,
    );
  };
}

function failureOf(error: SessiondError): AuthFailure {
  const retryAfterSeconds = error.details?.retryAfterSeconds;
  return {
    status: HTTP_STATUS[error.code],
    headers: { "content-type": "application/json", ...(typeof retryAfterSeconds === "number" ? { "retry-after": String(retryAfterSeconds) } : {}) },
    body: JSON.stringify(errorBody(error.code, error.message, newTraceId(), error.details ?? {})),
  };
}
