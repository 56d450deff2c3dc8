/** Session resources: create, list, read, change and end (SPEC §5). */
import { Type } from "@fastify/type-provider-typebox";
import type { App, RouteDeps } from "../app.js";
import { authenticator, scopeOf, tenantOf } from "../auth.js";
import { clientIp, clientUserAgent } from "../client.js";
import {
  ActivateBody, ActivityListSchema, CreateSessionBody, IdParams, ListQuery, PageQuery, PatchBody, RevokeBody,
  SessionListSchema, SessionSchema, SessionWithTokenSchema, TenantQuery, errorResponses,
} from "../schemas.js";
import { clientHintsFromWire, wireActivityEntry, wireSession } from "../wire.js";

const tags = ["sessions"];
const one = { 200: SessionSchema, ...errorResponses };
// POST bodies are optional where nothing is needed: Clerk's SDK sends none.
const optionalBody = <T extends ReturnType<typeof Type.Object>>(schema: T) => Type.Union([schema, Type.Null()]);

export async function sessionRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { sessions } = deps;
  app.addHook("onRequest", authenticator(deps));

  app.post("/v1/sessions", { schema: { tags, summary: "Create a session", body: CreateSessionBody, response: { 200: SessionWithTokenSchema, ...errorResponses } } }, async (request) => {
    const b = request.body;
    const { session, token } = await sessions.create({
      userId: b.user_id,
      tenantId: tenantOf(request, b.tenant_id),
      ...(b.username === undefined ? {} : { username: b.username }),
      ...(b.client_id === undefined ? {} : { clientId: b.client_id }),
      ...(b.workspace_id === undefined ? {} : { workspaceId: b.workspace_id }),
      ...(b.session_type === undefined ? {} : { sessionType: b.session_type }),
      ...(b.aud === undefined ? {} : { aud: b.aud }),
      ...(b.scopes === undefined ? {} : { scopes: b.scopes }),
      ...(b.amr === undefined ? {} : { amr: b.amr }),
      ...(b.actor === undefined ? {} : { actor: b.actor }),
      ...(b.active_organization_id === undefined ? {} : { activeOrganizationId: b.active_organization_id }),
      ip: clientIp(request, b.ip, deps.config.trustProxy),
      userAgent: clientUserAgent(request, b.user_agent),
      clientHints: clientHintsFromWire(b.client_hints),
      ...(b.metadata === undefined ? {} : { metadata: b.metadata }),
      ...(b.max_age_minutes === undefined ? {} : { maxAgeMinutes: b.max_age_minutes }),
      ...(b.lifetime_seconds === undefined ? {} : { lifetimeMs: b.lifetime_seconds * 1000 }),
      ...(b.inactivity_timeout_seconds === undefined ? {} : { inactivityTimeoutMs: b.inactivity_timeout_seconds === null ? null : b.inactivity_timeout_seconds * 1000 }),
      ...(b.sliding_expiration === undefined ? {} : { slidingExpiration: b.sliding_expiration }),
      ...(b.bind_user_agent === undefined ? {} : { bindUserAgent: b.bind_user_agent }),
      ...(b.pending === undefined ? {} : { pending: b.pending }),
      ...(b.replaces_session_id === undefined ? {} : { replacesSessionId: b.replaces_session_id }),
    });
    return { ...wireSession(session), token };
  });

  app.get("/v1/sessions", { schema: { tags, summary: "List sessions, newest first", querystring: ListQuery, response: { 200: SessionListSchema, ...errorResponses } } }, async (request) => {
    const q = request.query;
    const page = await sessions.list({
      tenantId: tenantOf(request, q.tenant_id),
      ...(q.user_id === undefined ? {} : { userId: q.user_id }),
      ...(q.client_id === undefined ? {} : { clientId: q.client_id }),
      ...(q.workspace_id === undefined ? {} : { workspaceId: q.workspace_id }),
      ...(q.status === undefined ? {} : { status: q.status }),
      ...(q.created_at_from === undefined ? {} : { createdAtFrom: q.created_at_from }),
      ...(q.created_at_to === undefined ? {} : { createdAtTo: q.created_at_to }),
      ...(q.limit === undefined ? {} : { limit: q.limit }),
      ...(q.offset === undefined ? {} : { offset: q.offset }),
      ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
    });
    return { data: page.data.map(wireSession), total_count: page.totalCount, next_cursor: page.nextCursor };
  });

  app.get("/v1/sessions/:id", { schema: { tags, summary: "Read a session (deleted ones too)", params: IdParams, querystring: TenantQuery, response: one } }, async (request) =>
    wireSession(await sessions.get(request.params.id, scopeOf(request, request.query.tenant_id))),
  );

  app.patch("/v1/sessions/:id", { schema: { tags, summary: "Change app-owned fields", params: IdParams, body: PatchBody, response: one } }, async (request) => {
    const b = request.body;
    const patch = {
      ...(b.metadata === undefined ? {} : { metadata: b.metadata }),
      ...(b.active_organization_id === undefined ? {} : { activeOrganizationId: b.active_organization_id }),
      ...(b.scopes === undefined ? {} : { scopes: b.scopes }),
      ...(b.username === undefined ? {} : { username: b.username }),
      ...(b.workspace_id === undefined ? {} : { workspaceId: b.workspace_id }),
    };
    return wireSession(await sessions.update(request.params.id, patch, scopeOf(request, b.tenant_id)));
  });

  app.post("/v1/sessions/:id/activate", { schema: { tags, summary: "pending → active", params: IdParams, querystring: TenantQuery, body: optionalBody(ActivateBody), response: one } }, async (request) => {
    const b = request.body ?? {};
    return wireSession(await sessions.activate(request.params.id, { ...scopeOf(request, b.tenant_id ?? request.query.tenant_id), ...(b.amr === undefined ? {} : { amr: b.amr }) }));
  });

  app.post("/v1/sessions/:id/end", { schema: { tags, summary: "The user signed out → ended", params: IdParams, querystring: TenantQuery, body: optionalBody(TenantQuery), response: one } }, async (request) =>
    wireSession(await sessions.end(request.params.id, scopeOf(request, request.body?.tenant_id ?? request.query.tenant_id))),
  );

  app.post("/v1/sessions/:id/revoke", { schema: { tags, summary: "The app or an admin ended it → revoked", params: IdParams, querystring: TenantQuery, body: optionalBody(RevokeBody), response: one } }, async (request) => {
    const b = request.body ?? {};
    return wireSession(await sessions.revoke(request.params.id, { ...scopeOf(request, b.tenant_id ?? request.query.tenant_id), ...(b.reason === undefined ? {} : { reason: b.reason }) }));
  });

  app.delete("/v1/sessions/:id", { schema: { tags, summary: "Soft delete", params: IdParams, querystring: TenantQuery, response: one } }, async (request) =>
    wireSession(await sessions.delete(request.params.id, scopeOf(request, request.query.tenant_id))),
  );

  app.get("/v1/sessions/:id/activities", { schema: { tags, summary: "Activity history, newest first", params: IdParams, querystring: PageQuery, response: { 200: ActivityListSchema, ...errorResponses } } }, async (request) => {
    const q = request.query;
    const page = await sessions.activities(request.params.id, { ...scopeOf(request, q.tenant_id), ...(q.limit === undefined ? {} : { limit: q.limit }), ...(q.cursor === undefined ? {} : { cursor: q.cursor }) });
    return { data: page.data.map(wireActivityEntry), next_cursor: page.nextCursor };
  });
}
