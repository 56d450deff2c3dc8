/**
 * Verifies sessiond session JWTs inside an app (SPEC §6): signature against the server's
 * JWKS, the tenant's issuer, time claims, and the claims every session JWT carries.
 */
import type { JWTVerifyGetKey } from "jose";
import { SessiondError } from "../core/errors.js";
import { type SessionClaims, issuerFor } from "../core/jwt-claims.js";
import { type Jose, loadJose } from "./jose.js";

export { issuerFor };

/** Why a JWT was refused; carried as `details.reason` of a `token_invalid` error. */
export type JwtFailureReason = "expired" | "not_yet_valid" | "signature" | "issuer" | "audience" | "malformed" | "unknown_key";

/** Where a verifier gets keys, and whose JWTs it accepts. */
export interface JwtVerifierOptions {
  /** The server's JWKS, e.g. {@link jwksUrlFor}`(serverUrl)`. */
  jwksUrl: string | URL;
  /** Required: the tenant's issuer, `issuerFor(publicUrl, tenantId)`. */
  issuer: string;
  /** When set, the JWT's `aud` must equal it. */
  audience?: string;
  /** Allowed clock skew for `exp` and `nbf`; default 5. */
  clockToleranceSeconds?: number;
  /** How long a fetched JWKS is used before it is fetched again; default 10 minutes. */
  cacheMaxAgeMs?: number;
  /** The least time between two fetches triggered by an unknown `kid`; default 5 s. */
  cooldownMs?: number;
  /** Accept JWTs of sessions still `pending` (`sts:"pending"`, e.g. MFA open); default false: only `sts:"active"`. */
  acceptPending?: boolean;
}

/** Checks one tenant's session JWTs; build it once per app, it caches the JWKS. */
export interface JwtVerifier {
  /**
   * The claims of a valid session JWT.
   * @throws SessiondError `token_invalid` with `details.reason`; `session_pending` for a valid JWT
   * of a pending session (`sts:"pending"`) unless `acceptPending`; `store_unavailable` when the
   * JWKS cannot be fetched and no key fetched before can check this JWT.
   */
  verify(jwt: string): Promise<SessionClaims>;
}

const ALGORITHMS = ["EdDSA", "ES256"];
const REQUIRED_CLAIMS = ["iss", "sub", "sid", "tid", "sts", "iat", "nbf", "exp"];
// sessiond signs with a new key the moment it rotates, so an unknown kid must be looked up
// soon; 5 s still caps a flood of made-up kids at one JWKS fetch per 5 s per process.
const DEFAULT_COOLDOWN_MS = 5_000;
const DEFAULT_CACHE_MAX_AGE_MS = 600_000;

/** The JWKS address of a sessiond server (`GET /v1/jwks`); a path prefix in `serverUrl` is kept. */
export function jwksUrlFor(serverUrl: string | URL): URL {
  return new URL(`${String(serverUrl).replace(/\/+$/, "")}/v1/jwks`);
}

/**
 * A verifier for one tenant's session JWTs.
 * @throws TypeError without an `issuer`: one tenant's app must never accept another tenant's JWTs.
 */
export function createJwtVerifier(options: JwtVerifierOptions): JwtVerifier {
  if (typeof options.issuer !== "string" || options.issuer === "")
    throw new TypeError("createJwtVerifier needs the tenant's issuer: without it, any tenant's JWTs would be accepted");
  const jwksUrl = new URL(options.jwksUrl);
  // Built on the first verify, when jose has loaded; one per verifier, as it holds the JWKS cache.
  let getKey: JWTVerifyGetKey | undefined;
  const verifyOptions = {
    algorithms: ALGORITHMS,
    // The same keys sign logout tokens (`logout+jwt`): a session JWT says `JWT`, and only that is one.
    typ: "JWT",
    issuer: options.issuer,
    requiredClaims: REQUIRED_CLAIMS,
    clockTolerance: options.clockToleranceSeconds ?? 5,
    ...(options.audience === undefined ? {} : { audience: options.audience }),
  };
  return {
    async verify(jwt) {
      const jose = await loadJose();
      getKey ??= keysFrom(jose, jwksUrl, options.cacheMaxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS, options.cooldownMs ?? DEFAULT_COOLDOWN_MS);
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jose.jwtVerify(jwt, getKey, verifyOptions));
      } catch (error) {
        if (error instanceof SessiondError) throw error;
        throw refused(reasonOf(jose.errors, error), error);
      }
      const claims = sessionClaimsOf(payload, options.issuer);
      // A pending session has not finished signing in: the cookie path refuses it too (SPEC §3).
      if (claims.sts === "pending" && options.acceptPending !== true)
        throw new SessiondError("session_pending", "the session JWT is for a sign-in that is still pending (a step such as MFA is open)");
      return claims;
    },
  };
}

/**
 * jose's remote set (cache, refetch on unknown kid after the cooldown), plus two outage rules:
 * while the JWKS cannot be fetched, keys already seen keep verifying (an outage must not log
 * everyone out), and a JWT no known key can check is `store_unavailable`, not `token_invalid`.
 */
function keysFrom({ createLocalJWKSet, createRemoteJWKSet, errors }: Jose, url: URL, cacheMaxAge: number, cooldownDuration: number): JWTVerifyGetKey {
  const remote = createRemoteJWKSet(url, { cacheMaxAge, cooldownDuration });
  return async (header, token) => {
    try {
      return await remote(header, token);
    } catch (error) {
      if (isKeySelectionError(errors, error)) throw error;
      const lastSeen = remote.jwks();
      if (lastSeen !== undefined) {
        try {
          return await createLocalJWKSet(lastSeen)(header, token);
        } catch (staleError) {
          if (!(staleError instanceof errors.JWKSNoMatchingKey)) throw staleError;
        }
      }
      throw new SessiondError("store_unavailable", "the JWKS could not be fetched", { cause: error });
    }
  };
}

/** Errors about the JWT's header against a fetched set, as opposed to failing to fetch it. */
function isKeySelectionError(errors: Jose["errors"], error: unknown): boolean {
  return error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys || error instanceof errors.JOSENotSupported;
}

function reasonOf(errors: Jose["errors"], error: unknown): JwtFailureReason {
  if (error instanceof errors.JWTExpired) return "expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "iss") return "issuer";
    if (error.claim === "aud") return "audience";
    if (error.claim === "nbf" && error.reason === "check_failed") return "not_yet_valid";
    return "malformed";
  }
  // An algorithm outside EdDSA/ES256 (HS256, none) is a signature sessiond never makes.
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JOSEAlgNotAllowed) return "signature";
  if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWKSMultipleMatchingKeys) return "unknown_key";
  return "malformed";
}

const MESSAGES: Record<JwtFailureReason, string> = {
  expired: "the session JWT has expired",
  not_yet_valid: "the session JWT is not valid yet",
  signature: "the session JWT's signature is invalid",
  issuer: "the session JWT was issued for another tenant or server",
  audience: "the session JWT was issued for another audience",
  malformed: "the session JWT is malformed",
  unknown_key: "the session JWT was signed with an unknown key",
};

// The message comes from a fixed table: jose's messages and the JWT itself never reach the caller.
function refused(reason: JwtFailureReason, cause?: unknown): SessiondError {
  return new SessiondError("token_invalid", MESSAGES[reason], { details: { reason }, ...(cause === undefined ? {} : { cause }) });
}

/** Signature and time are checked by now; this checks the shape sessiond promises. */
function sessionClaimsOf(payload: Record<string, unknown>, issuer: string): SessionClaims {
  const { sub, sid, tid, sts } = payload;
  const nonEmpty = (v: unknown): v is string => typeof v === "string" && v !== "";
  if (!nonEmpty(sub) || !nonEmpty(sid) || !nonEmpty(tid) || (sts !== "active" && sts !== "pending")) throw refused("malformed");
  // The issuer names the tenant; a JWT whose tid disagrees with it is not this tenant's.
  if (!issuer.endsWith(`/t/${encodeURIComponent(tid)}`)) throw refused("issuer");
  return payload as SessionClaims;
}
