/** A tenant's session policy: read (its own key or root), replace (root only). */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Sessions } from "../../core/service.js";
import { type AuthDeps, authenticator, requireRoot, tenantOf } from "../auth.js";
import { policyFromWire } from "../from-wire.js";
import { PolicyBody, PolicySchema, TenantParams, errorResponses } from "../schemas.js";
import { wirePolicy } from "../wire.js";

export interface TenantRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "getPolicy" | "putPolicy">;
}

export const tenantRoutes: FastifyPluginAsyncTypebox<TenantRouteDeps> = async (app, deps) => {
  const { sessions } = deps;
  app.addHook("onRequest", authenticator(deps));

  app.get(
    "/v1/tenants/:tenant_id/policy",
    { schema: { tags: ["tenants"], summary: "A tenant's session policy", params: TenantParams, response: { 200: PolicySchema, ...errorResponses } } },
    async (request) => wirePolicy(await sessions.getPolicy(tenantOf(request, request.params.tenant_id))),
  );

  app.put(
    "/v1/tenants/:tenant_id/policy",
    {
      schema: {
        tags: ["tenants"],
        summary: "Replace a tenant's policy overrides (root only)",
        params: TenantParams,
        body: PolicyBody,
        response: { 200: PolicySchema, ...errorResponses },
      },
    },
    async (request) => {
      requireRoot(request);
      return wirePolicy(await sessions.putPolicy(request.params.tenant_id, policyFromWire(request.body)));
    },
  );
};
