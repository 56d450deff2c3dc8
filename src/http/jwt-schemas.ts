/** Wire schemas of session JWTs, Clerk's refresh, JWT templates and the JWKS (SPEC §5, §6). */
import { Type } from "@sinclair/typebox";
import { TEMPLATE_SESSION_FIELDS } from "../core/jwt-claims.js";
import { TEMPLATE_NAME_PATTERN } from "../core/jwt-templates.js";
import { LIMITS } from "../core/limits.js";
import { Bounded, Bounds, JsonObject, SessionIdSchema, TenantIdSchema, Text } from "./schemas.js";

const strict = { additionalProperties: false } as const;
const Lifetime = (description: string) => Bounds("jwt_lifetime_seconds", description);
const TemplateName = Type.String({ pattern: TEMPLATE_NAME_PATTERN.source, description: "template name" });
const SessionField = Type.Union(Object.keys(TEMPLATE_SESSION_FIELDS).map((f) => Type.Literal(f)));
const Claims = JsonObject("claims", "static claims (reserved claims such as iss, sub, sid are refused)");

export const TokenSchema = Type.Object({ object: Type.Literal("token"), jwt: Type.String({ description: "a session JWT (EdDSA)" }) });
export const CookiesSchema = Type.Object({ object: Type.Literal("cookies"), cookies: Type.Array(Type.String()) });
export const TokenParams = Type.Object({ id: SessionIdSchema }, strict);
export const TemplateTokenParams = Type.Object({ id: SessionIdSchema, template: TemplateName }, strict);
export const TokenBody = Type.Object(
  {
    expires_in_seconds: Type.Optional(Lifetime("JWT lifetime (default: the template's, else 60)")),
    accept_pending: Type.Optional(Type.Boolean()),
    user_agent: Type.Optional(Bounded("user_agent", "checked against a bound user agent when given")),
    aud: Type.Optional(Text("aud")),
    tenant_id: Type.Optional(TenantIdSchema),
  },
  strict,
);
/** Every field Clerk's SDK sends to `POST /sessions/{id}/refresh`. */
export const JwtRefreshBody = Type.Object(
  {
    // Unbounded but by the body limit, as `token` on verify: a malformed token is 401 token_invalid, not 400.
    refresh_token: Type.String({ description: "the session token" }),
    expired_token: Type.Optional(Bounded("expired_token", "a previous JWT of this session (expired or not)")),
    request_origin: Type.Optional(Bounded("request_origin")),
    request_originating_ip: Type.Optional(Bounded("ip")),
    request_headers: Type.Optional(
      Type.Record(Bounded("request_header_name"), Type.Array(Bounded("request_header_value"), { maxItems: LIMITS.counts.request_header_values }), {
        maxProperties: LIMITS.counts.request_headers,
      }),
    ),
    format: Type.Optional(Type.Union([Type.Literal("token"), Type.Literal("cookie")])),
    tenant_id: Type.Optional(TenantIdSchema),
  },
  strict,
);
export const JwtRefreshQuery = Type.Object({ suffixed_cookies: Type.Optional(Type.Boolean()), tenant_id: Type.Optional(TenantIdSchema) }, strict);

export const JwtTemplateSchema = Type.Object({
  object: Type.Literal("jwt_template"),
  tenant_id: Type.String(),
  name: Type.String(),
  claims: Type.Object({}, { additionalProperties: true }),
  session_fields: Type.Array(Type.String()),
  lifetime_seconds: Type.Union([Type.Integer(), Type.Null()]),
  created_at: Type.Integer(),
  updated_at: Type.Integer(),
});
export const JwtTemplateListSchema = Type.Object({ data: Type.Array(JwtTemplateSchema), total_count: Type.Integer() });
export const TemplateParams = Type.Object({ name: TemplateName }, strict);
const templateFields = {
  claims: Type.Optional(Claims),
  // As many as there are fields: the core refuses longer lists (duplicates are dropped).
  session_fields: Type.Optional(
    Type.Array(SessionField, { maxItems: Object.keys(TEMPLATE_SESSION_FIELDS).length, description: "session fields copied into the JWT" }),
  ),
  lifetime_seconds: Type.Optional(Type.Union([Lifetime("JWT lifetime for this template"), Type.Null()])),
  tenant_id: Type.Optional(TenantIdSchema),
};
export const TemplateCreateBody = Type.Object({ name: TemplateName, ...templateFields }, strict);
export const TemplatePatchBody = Type.Object(templateFields, strict);

export const JwksSchema = Type.Object({
  keys: Type.Array(Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.Literal("sig") })),
});
