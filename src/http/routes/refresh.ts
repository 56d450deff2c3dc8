/** Refresh: a session token buys a new one (`POST /v1/sessions/refresh`). Clerk's JWT refresh is in session-jwts.ts. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { definedOnly } from "../../core/defined-only.js";
import type { Sessions } from "../../core/service.js";
import type { Config } from "../../config.js";
import { verifyGuard } from "../abuse.js";
import { type AuthDeps, authenticator, scopeOf } from "../auth.js";
import { clientOf } from "../client.js";
import { RefreshBody, SessionWithTokenSchema, errorResponses } from "../schemas.js";
import { wireSession } from "../wire.js";

export interface RefreshRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "refresh">;
  config: Pick<Config, "trustProxy">;
}

export const refreshRoutes: FastifyPluginAsyncTypebox<RefreshRouteDeps> = async (app, deps) => {
  app.addHook("onRequest", authenticator(deps));
  const guard = verifyGuard(deps.rateLimiter);

  app.post(
    "/v1/sessions/refresh",
    { schema: { tags: ["sessions"], summary: "Rotate a session token", body: RefreshBody, response: { 200: SessionWithTokenSchema, ...errorResponses } } },
    async (request) => {
      const b = request.body;
      const use = { ...scopeOf(request, b.tenant_id), ...clientOf(request, b, deps.config.trustProxy), ...definedOnly({ acceptPending: b.accept_pending }) };
      const { session, token } = await guard(request, b.ip ?? null, () => deps.sessions.refresh(b.token, use));
      return { ...wireSession(session), token };
    },
  );
};
