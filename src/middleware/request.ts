/** What the middleware reads from a request, whatever the framework. */
import type { IncomingMessage } from "node:http";
import { forwardedClientIp } from "../core/forwarded-for.js";
import { MAX_USER_AGENT_LENGTH } from "../core/input.js";

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

/** The user's address: the socket peer, or behind `trustedHops` proxies the `X-Forwarded-For` entry they vouch for. */
export function clientIp(facts: RequestFacts, trustedHops: number): string | undefined {
  return forwardedClientIp(facts.remoteAddress, facts.header("x-forwarded-for"), trustedHops);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the control characters sessiond refuses in a user agent.
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/g;

/**
 * The user agent as sessiond accepts it: cut to the length sessiond keeps, and without the
 * control characters (a tab is legal in a header) it refuses, so an odd browser header is never a failed check.
 */
export function clientUserAgent(facts: RequestFacts): string | undefined {
  return facts.header("user-agent")?.slice(0, MAX_USER_AGENT_LENGTH).replace(CONTROL_CHARACTERS, " ");
}
