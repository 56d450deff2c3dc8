/**
 * Wire schemas of webhook endpoints and their delivery log (SPEC §9). Field rules a schema
 * cannot state well (a URL's scheme and credentials, byte lengths, known event types, which
 * fields go together) are the core's (src/core/webhook-input.ts), with messages naming the field.
 */
import { Type } from "@sinclair/typebox";
import { WEBHOOK_EVENT_TYPES } from "../core/events.js";
import {
  MAX_WEBHOOK_AUDIENCE_LENGTH,
  MAX_WEBHOOK_DESCRIPTION_BYTES,
  MAX_WEBHOOK_URL_BYTES,
  WEBHOOK_ENDPOINT_ID_PATTERN,
  WEBHOOK_FORMATS,
  type WebhookFormat,
} from "../core/webhook-input.js";
import { TenantIdSchema } from "./schemas.js";

const strict = { additionalProperties: false } as const;
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Ms = (description: string) => Type.Integer({ minimum: 0, description: `${description} (ms since the epoch)` });

const Url = Type.String({ maxLength: MAX_WEBHOOK_URL_BYTES, description: `http or https, no user name or password, at most ${MAX_WEBHOOK_URL_BYTES} bytes` });
const EventTypes = Type.Array(Type.String({ maxLength: 64 }), {
  maxItems: WEBHOOK_EVENT_TYPES.length,
  description: `the types it gets, empty or absent: every type. Known: ${WEBHOOK_EVENT_TYPES.join(", ")}`,
});
const Description = Type.String({ maxLength: MAX_WEBHOOK_DESCRIPTION_BYTES, description: `at most ${MAX_WEBHOOK_DESCRIPTION_BYTES} bytes` });
const Audience = Type.String({
  maxLength: MAX_WEBHOOK_AUDIENCE_LENGTH,
  description: "the `aud` of back-channel logout tokens (the relying party's client id); only and always with format oidc_backchannel_logout",
});
// An enum, not a union of literals: a wrong value then reads "must be equal to one of the allowed values".
const Format = Type.Unsafe<WebhookFormat>(
  Type.String({
    enum: [...WEBHOOK_FORMATS],
    description: `${WEBHOOK_FORMATS.join(" (default) or ")}; a back-channel logout endpoint needs an audience and gets only the ends of sessions`,
  }),
);

const endpointFields = {
  object: Type.Literal("webhook_endpoint"),
  id: Type.String(),
  tenant_id: Type.Union([Type.String(), Type.Null()], { description: "null: a deployment-wide endpoint that gets every tenant's events" }),
  url: Type.String(),
  event_types: Type.Array(Type.String(), { description: "empty: every type" }),
  description: Nullable(Type.String()),
  format: Type.Union(WEBHOOK_FORMATS.map((f) => Type.Literal(f))),
  audience: Nullable(Type.String()),
  disabled: Type.Boolean(),
  created_at: Ms("created"),
};
export const WebhookEndpointSchema = Type.Object(endpointFields);
export const WebhookEndpointWithSecretSchema = Type.Object({
  ...endpointFields,
  secret: Type.String({ description: "the signing secret (whsec_…), shown this once" }),
});
export const WebhookEndpointListSchema = Type.Object({ data: Type.Array(WebhookEndpointSchema) });
export const WebhookDeliverySchema = Type.Object({
  object: Type.Literal("webhook_delivery"),
  event_id: Type.String(),
  attempt: Type.Integer({ minimum: 1, description: "1 for the first attempt" }),
  status: Type.Union([Type.Literal("succeeded"), Type.Literal("failed"), Type.Literal("pending")]),
  response_status: Type.Union([Type.Integer(), Type.Null()], { description: "the receiver's HTTP status; null when none came (timeout, refused)" }),
  duration_ms: Type.Integer({ minimum: 0 }),
  at: Ms("attempted"),
  next_attempt_at: Type.Union([Ms("next attempt"), Type.Null()]),
});
export const WebhookDeliveryListSchema = Type.Object({ data: Type.Array(WebhookDeliverySchema), next_cursor: Type.Union([Type.String(), Type.Null()]) });

// Requests
export const WebhookParams = Type.Object({ id: Type.String({ pattern: WEBHOOK_ENDPOINT_ID_PATTERN.source, description: "webhook endpoint id" }) }, strict);
export const WebhookCreateBody = Type.Object(
  {
    url: Url,
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Nullable(Description)),
    format: Type.Optional(Format),
    audience: Type.Optional(Nullable(Audience)),
    tenant_id: Type.Optional(TenantIdSchema),
  },
  strict,
);
export const WebhookPatchBody = Type.Object(
  {
    url: Type.Optional(Url),
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Nullable(Description)),
    disabled: Type.Optional(Type.Boolean({ description: "true stops deliveries; false resumes them where they stopped" })),
    audience: Type.Optional(Nullable(Audience)),
    tenant_id: Type.Optional(TenantIdSchema),
  },
  strict,
);
export const WebhookReplayBody = Type.Object(
  { since: Ms("deliver again every retained event from this time on"), tenant_id: Type.Optional(TenantIdSchema) },
  strict,
);
