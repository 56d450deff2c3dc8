/** Where a session's user is: the body first, then trusted proxy headers, then the socket (SPEC §3). */
import type { FastifyRequest } from "fastify";
import { isIpAddress } from "../core/input.js";

function unmapped(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/**
 * With `trustProxyHops` = N, the N nearest hops (the socket peer included) are our proxies,
 * so the user is the address just before them in `X-Forwarded-For`.
 */
export function clientIp(request: FastifyRequest, fromBody: string | null | undefined, trustProxyHops: number | undefined): string | null {
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  const socket = request.socket.remoteAddress === undefined ? null : unmapped(request.socket.remoteAddress);
  if (trustProxyHops === undefined) return socket;
  const header = request.headers["x-forwarded-for"];
  const forwarded = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((s) => unmapped(s.trim())).filter((s) => s.length > 0);
  const chain = socket === null ? forwarded : [...forwarded, socket];
  const candidate = chain[Math.max(0, chain.length - 1 - trustProxyHops)];
  // A header the client made up is not an address: fall back to what we know.
  return candidate !== undefined && isIpAddress(candidate) ? candidate : socket;
}

/** The user agent: from the body, else the request's own header. */
export function clientUserAgent(request: FastifyRequest, fromBody: string | null | undefined): string | null {
  if (fromBody !== undefined && fromBody !== null) return fromBody;
  return request.headers["user-agent"] ?? null;
}
