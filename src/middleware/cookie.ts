/**
 * The session cookie: reading it from a `Cookie` header, and writing it with the flags
 * a session token needs.
 */
import { TOKEN_PATTERN } from "../core/session-token.js";

/** The default cookie name. `__Host-` makes browsers require Secure and Path=/ and refuse a Domain. */
export const SESSION_COOKIE_NAME = "__Host-sessiond";

// RFC 6265 cookie-name (a token) and cookie-value octets.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const COOKIE_VALUE = /^[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*$/;

/**
 * The value of cookie `name` in a `Cookie` header; the first one wins, as browsers send the
 * most specific first. A malformed pair is skipped, never guessed at.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    let value = pair.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (COOKIE_VALUE.test(value)) return value;
  }
  return undefined;
}

/** Options of {@link sessionCookie}. */
export interface SessionCookieOptions {
  /** Omitted: a browser-session cookie, gone when the browser closes. */
  maxAgeSeconds?: number;
  /** Must start with `__Host-`; default {@link SESSION_COOKIE_NAME}. */
  name?: string;
}

/**
 * A `Set-Cookie` value carrying a session token: `__Host-` prefix, `Secure` (browsers allow it
 * on http://localhost), `HttpOnly` (no script can read the token), `SameSite=Lax` (not sent on
 * cross-site subrequests such as forged POSTs) and `Path=/`.
 * @throws TypeError for a value that is not a session token, a name without `__Host-`, or a bad max age.
 */
export function sessionCookie(token: string, options: SessionCookieOptions = {}): string {
  if (!TOKEN_PATTERN.test(token)) throw new TypeError("sessionCookie: the value is not a sessiond session token");
  const maxAge = options.maxAgeSeconds;
  if (maxAge !== undefined && (!Number.isInteger(maxAge) || maxAge < 0)) throw new TypeError("sessionCookie: maxAgeSeconds must be a non-negative integer");
  return cookieLine(cookieName(options.name), token, maxAge);
}

/** A `Set-Cookie` value that removes the session cookie (on sign-out). */
export function clearSessionCookie(options: { name?: string } = {}): string {
  return cookieLine(cookieName(options.name), "", 0);
}

function cookieName(name = SESSION_COOKIE_NAME): string {
  if (!name.startsWith("__Host-") || !COOKIE_NAME.test(name)) throw new TypeError("the session cookie name must be a cookie token starting with __Host-");
  return name;
}

function cookieLine(name: string, value: string, maxAgeSeconds: number | undefined): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Lax${maxAgeSeconds === undefined ? "" : `; Max-Age=${maxAgeSeconds}`}`;
}
