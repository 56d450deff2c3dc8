/** Wire schemas of session JWTs, Clerk's refresh, JWT templates and the JWKS (SPEC §5, §6). */
import { Type } from "@sinclair/typebox";
import { MAX_JWT_LIFETIME_SECONDS, MIN_JWT_LIFETIME_SECONDS, TEMPLATE_SESSION_FIELDS } from "../core/jwt-claims.js";
import type { JwtTemplateRecord } from "../core/store/index.js";
import { SessionIdSchema, TenantIdSchema } from "./schemas.js";

const strict = { additionalProperties: false } as const;
const Lifetime = (description: string) => Type.Integer({ minimum: MIN_JWT_LIFETIME_SECONDS, maximum: MAX_JWT_LIFETIME_SECONDS, description });
const TemplateName = Type.String({ pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$", description: "template name" });
const SessionField = Type.Union(Object.keys(TEMPLATE_SESSION_FIELDS).map((f) => Type.Literal(f)));
const Claims = Type.Object({}, { additionalProperties: true, description: "static claims, at most 4 KiB serialized; reserved claims (iss, sub, sid, …) are refused" });

export const TokenSchema = Type.Object({ object: Type.Literal("token"), jwt: Type.String({ description: "a session JWT (EdDSA)" }) });
export const CookiesSchema = Type.Object({ object: Type.Literal("cookies"), cookies: Type.Array(Type.String()) });
export const TokenParams = Type.Object({ id: SessionIdSchema }, strict);
export const TemplateTokenParams = Type.Object({ id: SessionIdSchema, template: TemplateName }, strict);
export const TokenBody = Type.Object(
  {
    expires_in_seconds: Type.Optional(Lifetime("JWT lifetime (default: the template's, else 60)")),
    accept_pending: Type.Optional(Type.Boolean()),
    user_agent: Type.Optional(Type.String({ maxLength: 16_384, description: "checked against a bound user agent when given" })),
    aud: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    tenant_id: Type.Optional(TenantIdSchema),
  },
  strict,
);
/** Every field Clerk's SDK sends to `POST /sessions/{id}/refresh`. */
export const JwtRefreshBody = Type.Object(
  {
    // Unbounded but by the body limit, as `token` on verify: a malformed token is 401 token_invalid, not 400.
    refresh_token: Type.String({ description: "the session token" }),
    expired_token: Type.Optional(Type.String({ maxLength: 8192, description: "a previous JWT of this session (expired or not)" })),
    request_origin: Type.Optional(Type.String({ maxLength: 2048 })),
    request_originating_ip: Type.Optional(Type.String({ maxLength: 45 })),
    request_headers: Type.Optional(Type.Record(Type.String({ maxLength: 256 }), Type.Array(Type.String({ maxLength: 16_384 }), { maxItems: 16 }), { maxProperties: 100 })),
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
  session_fields: Type.Optional(Type.Array(SessionField, { maxItems: 32, description: "session fields copied into the JWT" })),
  lifetime_seconds: Type.Optional(Type.Union([Lifetime("JWT lifetime for this template"), Type.Null()])),
  tenant_id: Type.Optional(TenantIdSchema),
};
export const TemplateCreateBody = Type.Object({ name: TemplateName, ...templateFields }, strict);
export const TemplatePatchBody = Type.Object(templateFields, strict);

export const JwksSchema = Type.Object({
  keys: Type.Array(Type.Object({ kty: Type.String(), crv: Type.String(), x: Type.String(), kid: Type.String(), alg: Type.String(), use: Type.Literal("sig") })),
});

export function wireTemplate(t: JwtTemplateRecord) {
  return {
    object: "jwt_template" as const,
    tenant_id: t.tenantId,
    name: t.name,
    claims: t.claims,
    session_fields: t.sessionFields,
    lifetime_seconds: t.lifetimeSeconds,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
  };
}
