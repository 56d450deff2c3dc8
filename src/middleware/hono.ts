/** Hono middleware: sets `c.get("sessiond")`, or answers 401/429/503 itself. */
import type { IncomingMessage } from "node:http";
import type { MiddlewareHandler } from "hono";
import { type AuthContext, type SessiondAuthOptions, createAuthenticator } from "./authenticate.js";

/** The Hono env the middleware sets: `new Hono<SessiondHonoEnv>()` types `c.get("sessiond")`. */
export type SessiondHonoEnv = { Variables: { sessiond: AuthContext | null } };

/**
 * Authenticates every request it runs for; see {@link SessiondAuthOptions}. The user's address
 * comes from @hono/node-server's `env.incoming`; elsewhere only from X-Forwarded-For with `trustProxy`.
 * @example const app = new Hono<SessiondHonoEnv>().use(sessiondHono({ sessiondUrl, apiKey, issuer }));
 */
export function sessiondHono(options: SessiondAuthOptions): MiddlewareHandler<SessiondHonoEnv> {
  const authenticate = createAuthenticator(options);
  return async (c, next) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const outcome = await authenticate({ header: (name) => c.req.header(name), remoteAddress: incoming?.socket.remoteAddress });
    if (!outcome.ok) return new Response(outcome.failure.body, { status: outcome.failure.status, headers: outcome.failure.headers });
    c.set("sessiond", outcome.auth);
    await next();
  };
}
