/** Where a session's user is: the body first, then trusted proxy headers, then the socket (SPEC §3). */
import type { FastifyRequest } from "fastify";
import { forwardedClientIp } from "../core/forwarded-for.js";

/** The address the body names, else the one {@link forwardedClientIp} finds with `trustProxyHops` (unset: none). */
export function clientIp(request: FastifyRequest, fromBody: string | null | undefined, trustProxyHops: number | undefined): string | null {
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  const header = request.headers["x-forwarded-for"];
  const forwardedFor = Array.isArray(header) ? header.join(",") : header;
  return forwardedClientIp(request.socket.remoteAddress, forwardedFor, trustProxyHops ?? 0) ?? null;
}

/** The user agent: from the body, else the request's own header. */
export function clientUserAgent(request: FastifyRequest, fromBody: string | null | undefined): string | null {
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  return request.headers["user-agent"] ?? null;
}
