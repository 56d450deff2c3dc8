/** The event feed (SPEC §9): `GET /v1/events`, oldest first, in commit order. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Sessions } from "../../core/service.js";
import { definedOnly } from "../../core/defined-only.js";
import { type AuthDeps, authenticator, scopeOf } from "../auth.js";
import { EventListSchema, EventQuery } from "../event-schemas.js";
import { errorResponses } from "../schemas.js";
import { wireEvent } from "../wire.js";

export interface EventRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "events">;
}

export const eventRoutes: FastifyPluginAsyncTypebox<EventRouteDeps> = async (app, deps) => {
  app.addHook("onRequest", authenticator(deps));

  app.get(
    "/v1/events",
    {
      schema: {
        tags: ["events"],
        summary: "Session events in commit order, after a position (poll with next_cursor)",
        querystring: EventQuery,
        response: { 200: EventListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const { tenantId } = scopeOf(request, q.tenant_id);
      const types = q.type === undefined ? undefined : Array.isArray(q.type) ? q.type : [q.type];
      const page = await deps.sessions.events.list(definedOnly({ tenantId, after: q.after, userId: q.user_id, limit: q.limit, types }));
      return { data: page.data.map(wireEvent), next_cursor: page.nextCursor };
    },
  );
};
