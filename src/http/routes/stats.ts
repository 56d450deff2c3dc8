/** Session counts by status, place and device. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Sessions } from "../../core/service.js";
import { type AuthDeps, authenticator, scopeOf } from "../auth.js";
import { StatsSchema, TenantQuery, errorResponses } from "../schemas.js";
import { wireStats } from "../wire.js";

export interface StatsRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "stats">;
}

export const statsRoutes: FastifyPluginAsyncTypebox<StatsRouteDeps> = async (app, deps) => {
  app.addHook("onRequest", authenticator(deps));

  app.get(
    "/v1/stats",
    {
      schema: {
        tags: ["stats"],
        summary: "Session counts by status, place and device",
        querystring: TenantQuery,
        response: { 200: StatsSchema, ...errorResponses },
      },
    },
    async (request) => wireStats(await deps.sessions.stats(scopeOf(request, request.query.tenant_id))),
  );
};
