/** API keys (root only): create, list, revoke. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { type AuthDeps, authenticator, requireRoot } from "../auth.js";
import { ApiKeyListSchema, ApiKeySchema, ApiKeyWithSecretSchema, KeyCreateBody, KeyParams, TenantQuery, errorResponses } from "../schemas.js";
import { wireApiKey } from "../wire.js";

export type KeyRouteDeps = AuthDeps;

export const keyRoutes: FastifyPluginAsyncTypebox<KeyRouteDeps> = async (app, deps) => {
  const { apiKeys } = deps;
  app.addHook("onRequest", authenticator(deps));

  app.post(
    "/v1/keys",
    {
      schema: {
        tags: ["keys"],
        summary: "Create a tenant API key (root only; shown once)",
        body: KeyCreateBody,
        response: { 200: ApiKeyWithSecretSchema, ...errorResponses },
      },
    },
    async (request) => {
      requireRoot(request);
      const created = await apiKeys.create(request.body.tenant_id, request.body.name ?? null);
      return { ...wireApiKey(created), key: created.key };
    },
  );

  app.get(
    "/v1/keys",
    { schema: { tags: ["keys"], summary: "List API keys (root only)", querystring: TenantQuery, response: { 200: ApiKeyListSchema, ...errorResponses } } },
    async (request) => {
      requireRoot(request);
      return { data: (await apiKeys.list(request.query.tenant_id)).map(wireApiKey) };
    },
  );

  app.delete(
    "/v1/keys/:id",
    { schema: { tags: ["keys"], summary: "Revoke an API key (root only)", params: KeyParams, response: { 200: ApiKeySchema, ...errorResponses } } },
    async (request) => {
      requireRoot(request);
      return wireApiKey(await apiKeys.revoke(request.params.id));
    },
  );
};
