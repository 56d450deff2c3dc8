/** Fastify plugin: decorates `request.sessiond`, or answers 401/429/503 from an onRequest hook. */
import type { FastifyPluginAsync } from "fastify";
import { type AuthContext, type SessiondAuthOptions, createAuthenticator } from "./authenticate.js";
import { nodeRequestFacts } from "./request.js";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated user, or null on an optional route without one. */
    sessiond: AuthContext | null;
  }
}

const plugin: FastifyPluginAsync<SessiondAuthOptions> = async (app, options) => {
  const authenticate = createAuthenticator(options);
  app.decorateRequest("sessiond", null);
  app.addHook("onRequest", async (request, reply) => {
    const outcome = await authenticate(nodeRequestFacts(request.raw));
    if (outcome.ok) request.sessiond = outcome.auth;
    // Sent pre-serialized: Fastify's JSON serializer would add "; charset=utf-8" to the exact Content-Type.
    else
      return reply
        .code(outcome.failure.status)
        .headers(outcome.failure.headers)
        .serializer((text: string) => text)
        .send(outcome.failure.body);
  });
};

/**
 * Register it in the context whose routes need a user; see {@link SessiondAuthOptions}.
 * `skip-override` (what fastify-plugin sets) lets the hook reach the routes of the context
 * that registers it, instead of only the plugin's own.
 * @example await app.register(sessiondFastify, { sessiondUrl, apiKey, issuer });
 */
export const sessiondFastify = Object.assign(plugin, {
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "sessiond",
});
