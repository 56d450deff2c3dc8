/** JWT templates: a tenant's named claim sets for `/v1/sessions/{id}/tokens/{template}` (SPEC §6). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { SessiondError } from "../../core/errors.js";
import type { Templates } from "../../core/service.js";
import { type AuthDeps, authenticator, tenantOf } from "../auth.js";
import { templateFromWire } from "../from-wire.js";
import { TenantQuery, errorResponses } from "../schemas.js";
import { JwtTemplateListSchema, JwtTemplateSchema, TemplateCreateBody, TemplateParams, TemplatePatchBody } from "../jwt-schemas.js";
import { wireTemplate } from "../wire.js";

export interface JwtTemplateRouteDeps extends AuthDeps {
  sessions: { templates: Templates };
}

const tags = ["jwt_templates"];
const one = { 200: JwtTemplateSchema, ...errorResponses };

export const jwtTemplateRoutes: FastifyPluginAsyncTypebox<JwtTemplateRouteDeps> = async (app, deps) => {
  const { templates } = deps.sessions;
  app.addHook("onRequest", authenticator(deps));

  app.get(
    "/v1/jwt_templates",
    { schema: { tags, summary: "A tenant's JWT templates", querystring: TenantQuery, response: { 200: JwtTemplateListSchema, ...errorResponses } } },
    async (request) => {
      const list = await templates.list(tenantOf(request, request.query.tenant_id));
      return { data: list.map(wireTemplate), total_count: list.length };
    },
  );
  app.post("/v1/jwt_templates", { schema: { tags, summary: "Create a JWT template", body: TemplateCreateBody, response: one } }, async (request) => {
    const b = request.body;
    const tenantId = tenantOf(request, b.tenant_id);
    if ((await templates.list(tenantId)).some((t) => t.name === b.name))
      throw new SessiondError("conflict", "a JWT template of this name exists; PATCH it or DELETE it first", { details: { name: b.name } });
    return wireTemplate(await templates.put(tenantId, b.name, templateFromWire(b)));
  });
  app.get(
    "/v1/jwt_templates/:name",
    { schema: { tags, summary: "One JWT template", params: TemplateParams, querystring: TenantQuery, response: one } },
    async (request) => wireTemplate(await templates.get(tenantOf(request, request.query.tenant_id), request.params.name)),
  );
  app.patch(
    "/v1/jwt_templates/:name",
    { schema: { tags, summary: "Change a JWT template", params: TemplateParams, body: TemplatePatchBody, response: one } },
    async (request) => wireTemplate(await templates.patch(tenantOf(request, request.body.tenant_id), request.params.name, templateFromWire(request.body))),
  );
  app.delete(
    "/v1/jwt_templates/:name",
    { schema: { tags, summary: "Delete a JWT template", params: TemplateParams, querystring: TenantQuery, response: one } },
    async (request) => wireTemplate(await templates.delete(tenantOf(request, request.query.tenant_id), request.params.name)),
  );
};
