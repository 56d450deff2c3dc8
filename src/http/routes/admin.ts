/** API keys, tenant policies and stats. */
import type { App, RouteDeps } from "../app.js";
import { authenticator, requireRoot, scopeOf, tenantOf } from "../auth.js";
import { ApiKeyListSchema, ApiKeySchema, ApiKeyWithSecretSchema, KeyCreateBody, KeyParams, PolicyBody, PolicySchema, StatsSchema, TenantParams, TenantQuery, errorResponses } from "../schemas.js";
import { policyFromWire, wireApiKey, wirePolicy, wireStats } from "../wire.js";

export async function adminRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { sessions, apiKeys } = deps;
  app.addHook("onRequest", authenticator(deps));

  app.post("/v1/keys", { schema: { tags: ["keys"], summary: "Create a tenant API key (root only; shown once)", body: KeyCreateBody, response: { 200: ApiKeyWithSecretSchema, ...errorResponses } } }, async (request) => {
    requireRoot(request);
    const created = await apiKeys.create(request.body.tenant_id, request.body.name ?? null);
    return { ...wireApiKey(created), key: created.key };
  });

  app.get("/v1/keys", { schema: { tags: ["keys"], summary: "List API keys (root only)", querystring: TenantQuery, response: { 200: ApiKeyListSchema, ...errorResponses } } }, async (request) => {
    requireRoot(request);
    return { data: (await apiKeys.list(request.query.tenant_id)).map(wireApiKey) };
  });

  app.delete("/v1/keys/:id", { schema: { tags: ["keys"], summary: "Revoke an API key (root only)", params: KeyParams, response: { 200: ApiKeySchema, ...errorResponses } } }, async (request) => {
    requireRoot(request);
    return wireApiKey(await apiKeys.revoke(request.params.id));
  });

  app.get("/v1/tenants/:tenant_id/policy", { schema: { tags: ["tenants"], summary: "A tenant's session policy", params: TenantParams, response: { 200: PolicySchema, ...errorResponses } } }, async (request) =>
    wirePolicy(await sessions.getPolicy(tenantOf(request, request.params.tenant_id))),
  );

  app.put("/v1/tenants/:tenant_id/policy", { schema: { tags: ["tenants"], summary: "Replace a tenant's policy overrides (root only)", params: TenantParams, body: PolicyBody, response: { 200: PolicySchema, ...errorResponses } } }, async (request) => {
    requireRoot(request);
    return wirePolicy(await sessions.putPolicy(request.params.tenant_id, policyFromWire(request.body)));
  });

  app.get("/v1/stats", { schema: { tags: ["stats"], summary: "Session counts by status, place and device", querystring: TenantQuery, response: { 200: StatsSchema, ...errorResponses } } }, async (request) =>
    wireStats(await sessions.stats(scopeOf(request, request.query.tenant_id))),
  );
}
