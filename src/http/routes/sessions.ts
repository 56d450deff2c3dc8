/** Session resources: create, list, read, change and end (SPEC §5). Verify and refresh are in verify.ts and refresh.ts. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { definedOnly } from "../../core/defined-only.js";
import type { Sessions } from "../../core/service.js";
import type { Config } from "../../config.js";
import { type AuthDeps, authenticator, initiatorOf, scopeOf, tenantOf } from "../auth.js";
import { clientOf } from "../client.js";
import { createFromWire, listFromWire, pageFromWire, patchFromWire } from "../from-wire.js";
import {
  ActivateBody,
  ActivityListSchema,
  CreateSessionBody,
  IdParams,
  ListQuery,
  OptionalBody,
  PageQuery,
  PatchBody,
  RevokeBody,
  SessionListSchema,
  SessionSchema,
  SessionWithTokenSchema,
  TenantQuery,
  errorResponses,
} from "../schemas.js";
import { wireActivityEntry, wireSession } from "../wire.js";

export interface SessionRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "create" | "list" | "get" | "update" | "activate" | "end" | "revoke" | "delete" | "activities">;
  config: Pick<Config, "trustProxy">;
}

const tags = ["sessions"];
const one = { 200: SessionSchema, ...errorResponses };

export const sessionRoutes: FastifyPluginAsyncTypebox<SessionRouteDeps> = async (app, deps) => {
  const { sessions } = deps;
  app.addHook("onRequest", authenticator(deps));

  app.post(
    "/v1/sessions",
    { schema: { tags, summary: "Create a session", body: CreateSessionBody, response: { 200: SessionWithTokenSchema, ...errorResponses } } },
    async (request) => {
      const b = request.body;
      const { session, token } = await sessions.create({
        ...createFromWire(b),
        tenantId: tenantOf(request, b.tenant_id),
        initiatedBy: initiatorOf(request),
        ...clientOf(request, b, deps.config.trustProxy),
      });
      return { ...wireSession(session), token };
    },
  );

  app.get(
    "/v1/sessions",
    { schema: { tags, summary: "List sessions, newest first", querystring: ListQuery, response: { 200: SessionListSchema, ...errorResponses } } },
    async (request) => {
      const page = await sessions.list({ tenantId: tenantOf(request, request.query.tenant_id), ...listFromWire(request.query) });
      return { data: page.data.map(wireSession), total_count: page.totalCount, next_cursor: page.nextCursor };
    },
  );

  app.get(
    "/v1/sessions/:id",
    { schema: { tags, summary: "Read a session (deleted ones too)", params: IdParams, querystring: TenantQuery, response: one } },
    async (request) => wireSession(await sessions.get(request.params.id, scopeOf(request, request.query.tenant_id))),
  );

  app.patch("/v1/sessions/:id", { schema: { tags, summary: "Change app-owned fields", params: IdParams, body: PatchBody, response: one } }, async (request) =>
    wireSession(await sessions.update(request.params.id, patchFromWire(request.body), scopeOf(request, request.body.tenant_id))),
  );

  app.post(
    "/v1/sessions/:id/activate",
    { schema: { tags, summary: "pending → active", params: IdParams, querystring: TenantQuery, body: OptionalBody(ActivateBody), response: one } },
    async (request) => {
      const b = request.body ?? {};
      return wireSession(
        await sessions.activate(request.params.id, { ...scopeOf(request, b.tenant_id ?? request.query.tenant_id), ...definedOnly({ amr: b.amr }) }),
      );
    },
  );

  app.post(
    "/v1/sessions/:id/end",
    { schema: { tags, summary: "The user signed out → ended", params: IdParams, querystring: TenantQuery, body: OptionalBody(TenantQuery), response: one } },
    async (request) => wireSession(await sessions.end(request.params.id, scopeOf(request, request.body?.tenant_id ?? request.query.tenant_id))),
  );

  app.post(
    "/v1/sessions/:id/revoke",
    {
      schema: {
        tags,
        summary: "The app or an admin ended it → revoked",
        params: IdParams,
        querystring: TenantQuery,
        body: OptionalBody(RevokeBody),
        response: one,
      },
    },
    async (request) => {
      const b = request.body ?? {};
      return wireSession(
        await sessions.revoke(request.params.id, { ...scopeOf(request, b.tenant_id ?? request.query.tenant_id), ...definedOnly({ reason: b.reason }) }),
      );
    },
  );

  app.delete("/v1/sessions/:id", { schema: { tags, summary: "Soft delete", params: IdParams, querystring: TenantQuery, response: one } }, async (request) =>
    wireSession(await sessions.delete(request.params.id, scopeOf(request, request.query.tenant_id))),
  );

  app.get(
    "/v1/sessions/:id/activities",
    {
      schema: {
        tags,
        summary: "Activity history, newest first",
        params: IdParams,
        querystring: PageQuery,
        response: { 200: ActivityListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const page = await sessions.activities(request.params.id, { ...scopeOf(request, request.query.tenant_id), ...pageFromWire(request.query) });
      return { data: page.data.map(wireActivityEntry), next_cursor: page.nextCursor };
    },
  );
};
