/** Express middleware: sets `req.sessiond`, or answers 401/429/503 itself. */
import type { RequestHandler } from "express";
import { type AuthContext, type SessiondAuthOptions, createAuthenticator } from "./authenticate.js";
import { nodeRequestFacts } from "./request.js";

declare global {
  // Express's documented way to type what middleware adds to the request.
  namespace Express {
    interface Request {
      /** The authenticated user, or null on an optional route without one. */
      sessiond?: AuthContext | null;
    }
  }
}

/**
 * Authenticates every request it runs for; see {@link SessiondAuthOptions}.
 * @example app.use(sessiondExpress({ sessiondUrl, apiKey, issuer }));
 */
export function sessiondExpress(options: SessiondAuthOptions): RequestHandler {
  const authenticate = createAuthenticator(options);
  return async (req, res, next) => {
    const outcome = await authenticate(nodeRequestFacts(req));
    if (outcome.ok) {
      req.sessiond = outcome.auth;
      return next();
    }
    // Written on the raw response: res.send would add "; charset=utf-8" to the exact Content-Type.
    res.writeHead(outcome.failure.status, outcome.failure.headers).end(outcome.failure.body);
  };
}
