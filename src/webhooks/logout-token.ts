/**
 * OpenID Connect Back-Channel Logout 1.0 (SPEC §9): the logout token an
 * `oidc_backchannel_logout` endpoint receives for every end of a session, signed with the
 * tenant's session-JWT keys so relying parties verify it against the JWKS they already use.
 */
import { randomUUID } from "node:crypto";
import type { EventType } from "../core/events.js";
import { issuerFor } from "../core/jwt-claims.js";

export const BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout";
/** The JOSE `typ` of a logout token, so it cannot be mistaken for an ID token or a session JWT. */
export const LOGOUT_TOKEN_TYPE = "logout+jwt";
/** The spec asks for a short life: the token is sent at once and never stored. */
export const LOGOUT_TOKEN_LIFETIME_SECONDS = 120;

/** The event types that end a session: the only ones a back-channel logout endpoint is sent. */
export const LOGOUT_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>([
  "session.ended",
  "session.revoked",
  "session.removed",
  "session.replaced",
  "session.expired",
  "session.abandoned",
  "session.deleted",
]);

/** Signs a JWT with the current session-JWT key of the deployment, with the given `typ` header. */
export interface LogoutSigner {
  signTyped(claims: Record<string, unknown>, typ: string): Promise<string>;
}

export interface LogoutSubject {
  tenantId: string;
  userId: string;
  sessionId: string;
}

export interface LogoutClaims {
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  jti: string;
  sid: string;
  sub: string;
  events: Record<string, Record<string, never>>;
}

/** The claims of a fresh logout token (a new `jti` on every call: every attempt gets its own token). */
export function logoutClaims(subject: LogoutSubject, audience: string, publicUrl: string, nowMs: number): LogoutClaims {
  const iat = Math.floor(nowMs / 1000);
  return {
    iss: issuerFor(publicUrl, subject.tenantId),
    aud: audience,
    iat,
    exp: iat + LOGOUT_TOKEN_LIFETIME_SECONDS,
    jti: randomUUID(),
    sid: subject.sessionId,
    sub: subject.userId,
    events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
  };
}

/** The form body of a back-channel logout request. */
export async function logoutRequestBody(signer: LogoutSigner, subject: LogoutSubject, audience: string, publicUrl: string, nowMs: number): Promise<string> {
  const token = await signer.signTyped({ ...logoutClaims(subject, audience, publicUrl, nowMs) }, LOGOUT_TOKEN_TYPE);
  return new URLSearchParams({ logout_token: token }).toString();
}
