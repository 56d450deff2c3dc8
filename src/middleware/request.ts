/** What the middleware reads from a request, whatever the framework. */
import type { IncomingMessage } from "node:http";
import { isIpAddress } from "../core/input.js";

export interface RequestFacts {
  /** A request header by lower-case name; repeated headers joined with ", ". */
  header(name: "authorization" | "cookie" | "user-agent" | "x-forwarded-for"): string | undefined;
  /** The socket peer's address, when the runtime exposes it. */
  remoteAddress: string | undefined;
}

/** The facts of a Node request (Express's `req`, Fastify's `request.raw`, Hono on @hono/node-server's `env.incoming`). */
export function nodeRequestFacts(request: IncomingMessage): RequestFacts {
  return {
    header: (name) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value.join(", ") : value;
    },
    remoteAddress: request.socket.remoteAddress,
  };
}

function unmapped(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}

/**
 * The user's address: the socket peer, or behind a trusted proxy the first `X-Forwarded-For`
 * hop. A hop that is not an address (a made-up header) falls back to the socket.
 */
export function clientIp(facts: RequestFacts, trustProxy: boolean): string | undefined {
  const socket = facts.remoteAddress === undefined ? undefined : unmapped(facts.remoteAddress);
  if (!trustProxy) return socket;
  const first = facts.header("x-forwarded-for")?.split(",")[0]?.trim();
  return first !== undefined && isIpAddress(unmapped(first)) ? unmapped(first) : socket;
}
