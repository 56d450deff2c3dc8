/**
 * Webhook endpoints (SPEC §9). A tenant key manages its tenant's endpoints (another tenant's
 * answer 404); the root key sees every endpoint, and creates deployment-wide ones (tenant_id
 * null: every tenant's events) or, naming `tenant_id`, a tenant's.
 */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { definedOnly } from "../../core/defined-only.js";
import type { WebhookEndpoints } from "../../core/webhooks.js";
import { type AuthDeps, authenticator, scopeOf } from "../auth.js";
import { OptionalBody, PageQuery, TenantQuery, errorResponses } from "../schemas.js";
import {
  WebhookCreateBody,
  WebhookDeliveryListSchema,
  WebhookDeliverySchema,
  WebhookEndpointListSchema,
  WebhookEndpointSchema,
  WebhookEndpointWithSecretSchema,
  WebhookParams,
  WebhookPatchBody,
  WebhookReplayBody,
} from "../webhook-schemas.js";
import { wireWebhookDelivery, wireWebhookEndpoint, wireWebhookEndpointWithSecret } from "../wire.js";

export interface WebhookRouteDeps extends AuthDeps {
  sessions: { webhooks: WebhookEndpoints };
}

const tags = ["webhooks"];
const one = { 200: WebhookEndpointSchema, ...errorResponses };
const withSecret = { 200: WebhookEndpointWithSecretSchema, ...errorResponses };

export const webhookRoutes: FastifyPluginAsyncTypebox<WebhookRouteDeps> = async (app, deps) => {
  const { webhooks } = deps.sessions;
  app.addHook("onRequest", authenticator(deps));

  app.post(
    "/v1/webhooks",
    { schema: { tags, summary: "Create a webhook endpoint (its secret is shown this once)", body: WebhookCreateBody, response: withSecret } },
    async (request) => {
      const b = request.body;
      const created = await webhooks.create(
        {
          url: b.url,
          ...definedOnly({ eventTypes: b.event_types, description: b.description, format: b.format, audience: b.audience, tenantId: b.tenant_id }),
        },
        scopeOf(request, b.tenant_id),
      );
      return wireWebhookEndpointWithSecret(created);
    },
  );

  app.get(
    "/v1/webhooks",
    { schema: { tags, summary: "List webhook endpoints", querystring: TenantQuery, response: { 200: WebhookEndpointListSchema, ...errorResponses } } },
    async (request) => ({ data: (await webhooks.list(scopeOf(request, request.query.tenant_id))).map(wireWebhookEndpoint) }),
  );

  app.get(
    "/v1/webhooks/:id",
    { schema: { tags, summary: "One webhook endpoint (never its secret)", params: WebhookParams, querystring: TenantQuery, response: one } },
    async (request) => wireWebhookEndpoint(await webhooks.get(request.params.id, scopeOf(request, request.query.tenant_id))),
  );

  app.patch(
    "/v1/webhooks/:id",
    { schema: { tags, summary: "Change a webhook endpoint, or disable and enable it", params: WebhookParams, body: WebhookPatchBody, response: one } },
    async (request) => {
      const b = request.body;
      const patch = definedOnly({ url: b.url, eventTypes: b.event_types, description: b.description, disabled: b.disabled, audience: b.audience });
      return wireWebhookEndpoint(await webhooks.update(request.params.id, patch, scopeOf(request, b.tenant_id)));
    },
  );

  app.delete(
    "/v1/webhooks/:id",
    { schema: { tags, summary: "Delete a webhook endpoint with its queue and delivery log", params: WebhookParams, querystring: TenantQuery, response: one } },
    async (request) => wireWebhookEndpoint(await webhooks.delete(request.params.id, scopeOf(request, request.query.tenant_id))),
  );

  app.post(
    "/v1/webhooks/:id/rotate_secret",
    {
      schema: {
        tags,
        summary: "A new signing secret (shown this once); the old one also signs for 24 h",
        params: WebhookParams,
        querystring: TenantQuery,
        body: OptionalBody(TenantQuery),
        response: withSecret,
      },
    },
    async (request) =>
      wireWebhookEndpointWithSecret(await webhooks.rotateSecret(request.params.id, scopeOf(request, request.body?.tenant_id ?? request.query.tenant_id))),
  );

  app.post(
    "/v1/webhooks/:id/test",
    {
      schema: {
        tags,
        summary: "Send a webhook.test event now; answers the attempt",
        params: WebhookParams,
        querystring: TenantQuery,
        body: OptionalBody(TenantQuery),
        response: { 200: WebhookDeliverySchema, ...errorResponses },
      },
    },
    async (request) => wireWebhookDelivery(await webhooks.test(request.params.id, scopeOf(request, request.body?.tenant_id ?? request.query.tenant_id))),
  );

  app.post(
    "/v1/webhooks/:id/replay",
    { schema: { tags, summary: "Deliver again every retained event since a time", params: WebhookParams, body: WebhookReplayBody, response: one } },
    async (request) => wireWebhookEndpoint(await webhooks.replay(request.params.id, request.body.since, scopeOf(request, request.body.tenant_id))),
  );

  app.get(
    "/v1/webhooks/:id/deliveries",
    {
      schema: {
        tags,
        summary: "The delivery log: one entry per attempt, newest first",
        params: WebhookParams,
        querystring: PageQuery,
        response: { 200: WebhookDeliveryListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await webhooks.deliveries(request.params.id, definedOnly({ limit: q.limit, cursor: q.cursor }), scopeOf(request, q.tenant_id));
      return { data: page.data.map(wireWebhookDelivery), next_cursor: page.nextCursor };
    },
  );
};
