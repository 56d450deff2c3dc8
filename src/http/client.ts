/** Where a session's user is: the body first, then trusted proxy headers, then the socket (SPEC §3). */
import type { IncomingHttpHeaders } from "node:http";
import type { Static } from "@sinclair/typebox";
import { forwardedClientIp } from "../core/forwarded-for.js";
import type { ClientHints } from "../core/model.js";
import { clientHintsFromWire } from "./from-wire.js";
import type { ClientHintsSchema } from "./schemas.js";

/** What the functions below read of a request (a Fastify request, or node's own on the lean verify path). */
export interface ClientSource {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string | undefined };
}

/** The address the body names, else the one {@link forwardedClientIp} finds with `trustProxyHops` (unset: none). */
export function clientIp(request: ClientSource, fromBody: string | null | undefined, trustProxyHops: number | undefined): string | null {
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  const header = request.headers["x-forwarded-for"];
  const forwardedFor = Array.isArray(header) ? header.join(",") : header;
  return forwardedClientIp(request.socket.remoteAddress, forwardedFor, trustProxyHops ?? 0) ?? null;
}

/** The user agent: from the body, else the request's own header. */
export function clientUserAgent(request: ClientSource, fromBody: string | null | undefined): string | null {
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  return request.headers["user-agent"] ?? null;
}

/** Where and with what a body's user is (create, verify, refresh): address, user agent and client hints. */
export function clientOf(
  request: ClientSource,
  b: { ip?: string | null; user_agent?: string | null; client_hints?: Static<typeof ClientHintsSchema> | null },
  trustProxyHops: number | undefined,
): { ip: string | null; userAgent: string | null; clientHints: ClientHints | null } {
  return { ip: clientIp(request, b.ip, trustProxyHops), userAgent: clientUserAgent(request, b.user_agent), clientHints: clientHintsFromWire(b.client_hints) };
}
