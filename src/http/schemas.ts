/**
 * Wire schemas (SPEC §2, §5): they validate requests, shape responses and
 * generate /openapi.json. Wire types derive from them; nothing is written twice.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { ERROR_CODES } from "../core/errors.js";
import { API_KEY_ID_PATTERN } from "../core/api-keys.js";
import { definedOnly } from "../core/defined-only.js";
import { CLIENT_ID_PATTERN, TENANT_ID_PATTERN } from "../core/input.js";
import { type JsonField, LIMITS, type ListField, type TextField } from "../core/limits.js";
import { SESSION_STATUSES, SESSION_TYPES } from "../core/model.js";
import { SESSION_ID_PATTERN } from "../core/session-token.js";

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const Ms = (description: string) => Type.Integer({ minimum: 0, description: `${description} (ms since the epoch)` });
const strict = { additionalProperties: false } as const;

// Every bound comes from the core's table of limits, so REST refuses what the library refuses.
/** Text of a field in `LIMITS.text`: 1 to n characters. */
export const Text = (field: TextField) => Type.String({ minLength: 1, maxLength: LIMITS.text[field] });
/** A string of a field in `LIMITS.strings`: at most n characters. */
export const Bounded = (field: keyof typeof LIMITS.strings, description?: string) =>
  Type.String({ maxLength: LIMITS.strings[field], ...definedOnly({ description }) });
/** An integer of a field in `LIMITS.integers`. */
export const Bounds = (field: keyof typeof LIMITS.integers, description?: string) => {
  const limit: { minimum: number; maximum: number; default?: number } = LIMITS.integers[field];
  return Type.Integer({ minimum: limit.minimum, maximum: limit.maximum, ...definedOnly({ default: limit.default, description }) });
};
const StringList = (field: ListField) =>
  Type.Array(Type.String({ minLength: 1, maxLength: LIMITS.lists[field].maxLength }), { maxItems: LIMITS.lists[field].maxItems });
/** A JSON object of a field in `LIMITS.jsonBytes`; the size is checked by the core (a schema cannot count bytes). */
export const JsonObject = (field: JsonField, description: string) =>
  Type.Object({}, { additionalProperties: true, description: `${description}, at most ${LIMITS.jsonBytes[field]} bytes serialized` });

export const TenantIdSchema = Type.String({ pattern: TENANT_ID_PATTERN.source, description: "tenant id" });
export const SessionIdSchema = Type.String({ pattern: SESSION_ID_PATTERN.source, description: "session id" });
const ClientIdSchema = Type.String({ pattern: CLIENT_ID_PATTERN.source });
const Metadata = JsonObject("metadata", "app data");
const StatusSchema = Type.Union(SESSION_STATUSES.map((s) => Type.Literal(s)));

export const ClientHintsSchema = Type.Object(
  {
    sec_ch_ua: Type.Optional(Bounded("sec_ch_ua")),
    sec_ch_ua_mobile: Type.Optional(Bounded("sec_ch_ua_mobile")),
    sec_ch_ua_platform: Type.Optional(Bounded("sec_ch_ua_platform")),
  },
  { ...strict, description: "User-Agent Client Hints forwarded by the app" },
);

const activityFields = {
  object: Type.Literal("session_activity"),
  id: Type.String(),
  is_mobile: Type.Boolean(),
  ip_address: Nullable(Type.String()),
  city: Nullable(Type.String()),
  country: Nullable(Type.String({ description: "ISO 3166-1 alpha-2" })),
  browser_name: Nullable(Type.String()),
  browser_version: Nullable(Type.String()),
  device_type: Nullable(Type.String()),
  os_name: Nullable(Type.String()),
};
export const SessionActivitySchema = Type.Object(activityFields);
export const ActivityEntrySchema = Type.Object({
  ...activityFields,
  at: Ms("when"),
  changed: Type.Array(Type.Union([Type.Literal("ip"), Type.Literal("country"), Type.Literal("device"), Type.Literal("browser")])),
});

const sessionFields = {
  object: Type.Literal("session"),
  id: Type.String(),
  tenant_id: Type.String(),
  workspace_id: Nullable(Type.String()),
  user_id: Type.String(),
  username: Nullable(Type.String()),
  client_id: Type.String(),
  status: StatusSchema,
  end_reason: Nullable(Type.String()),
  session_type: Nullable(Type.Union(SESSION_TYPES.map((t) => Type.Literal(t)))),
  aud: Nullable(Type.String()),
  scopes: Type.Array(Type.String()),
  amr: Type.Array(Type.String()),
  actor: Nullable(Type.Object({}, { additionalProperties: true })),
  last_active_organization_id: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  location: Nullable(Type.String()),
  bound_user_agent: Nullable(Type.String()),
  sliding_expiration: Type.Boolean(),
  max_age_minutes: Nullable(Type.Integer()),
  latest_activity: Nullable(SessionActivitySchema),
  metadata: Metadata,
  created_at: Ms("created"),
  updated_at: Ms("last change of state or data"),
  last_active_at: Ms("last recorded use"),
  last_refreshed_at: Nullable(Ms("last token refresh")),
  expire_at: Ms("validity deadline"),
  abandon_at: Nullable(Ms("inactivity deadline")),
  revoked_at: Nullable(Ms("revoked")),
  ended_at: Nullable(Ms("ended (any terminal status)")),
  is_deleted: Type.Boolean(),
};
export const SessionSchema = Type.Object(sessionFields);
export const SessionWithTokenSchema = Type.Object({ ...sessionFields, token: Type.String({ description: "the session token, shown this once" }) });
export type WireSession = Static<typeof SessionSchema>;
export type WireActivity = Static<typeof SessionActivitySchema>;
export type WireActivityEntry = Static<typeof ActivityEntrySchema>;

export const ErrorSchema = Type.Object({
  errors: Type.Array(
    Type.Object({
      code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
      message: Type.String(),
      long_message: Type.String(),
      meta: Type.Object({}, { additionalProperties: true }),
    }),
  ),
  trace_id: Type.String(),
  clerk_trace_id: Type.String(),
});

export const SessionListSchema = Type.Object({ data: Type.Array(SessionSchema), total_count: Type.Integer(), next_cursor: Nullable(Type.String()) });
export const ActivityListSchema = Type.Object({ data: Type.Array(ActivityEntrySchema), next_cursor: Nullable(Type.String()) });
export const UserSessionsSchema = Type.Object({
  object: Type.Literal("user_sessions"),
  user_id: Type.String(),
  username: Nullable(Type.String()),
  active_sessions: Type.Integer(),
  last_active_at: Ms("last use"),
});
export const UserListSchema = Type.Object({ data: Type.Array(UserSessionsSchema), next_cursor: Nullable(Type.String()) });
// additionalProperties, not a Record: a Record's key pattern `^(.*)$` stops at a line break, and the serializer dropped such keys.
const Counts = Type.Object({}, { additionalProperties: Type.Integer(), description: "count per key; keys are data (any text)" });
export const StatsSchema = Type.Object({
  object: Type.Literal("stats"),
  active_sessions: Type.Integer(),
  distinct_users: Type.Integer(),
  by_status: Counts,
  by_country: Counts,
  by_browser: Counts,
  by_device_type: Counts,
  by_os: Counts,
});
export const ApiKeySchema = Type.Object({
  object: Type.Literal("api_key"),
  id: Type.String(),
  tenant_id: Nullable(Type.String()),
  name: Nullable(Type.String()),
  created_at: Ms("created"),
  revoked_at: Nullable(Ms("revoked")),
});
export const ApiKeyWithSecretSchema = Type.Object({ ...ApiKeySchema.properties, key: Type.String({ description: "the API key, shown this once" }) });
export const ApiKeyListSchema = Type.Object({ data: Type.Array(ApiKeySchema) });
const policyFields = {
  lifetime_seconds: Bounds("lifetime_seconds"),
  max_lifetime_seconds: Bounds("max_lifetime_seconds"),
  inactivity_timeout_seconds: Nullable(Bounds("inactivity_timeout_seconds")),
  sliding_expiration: Type.Boolean(),
  max_sessions_per_user: Nullable(Bounds("max_sessions_per_user")),
  bind_user_agent: Type.Boolean(),
  pending_timeout_seconds: Bounds("pending_timeout_seconds"),
};
export const PolicySchema = Type.Object({
  object: Type.Literal("tenant_policy"),
  tenant_id: Type.String(),
  ...policyFields,
  overrides: Type.Object({}, { additionalProperties: true }),
});
export const PolicyBody = Type.Partial(Type.Object(policyFields), strict);
export const RevokedCountSchema = Type.Object({ revoked_count: Type.Integer() });
export const RemovedCountSchema = Type.Object({ removed_count: Type.Integer() });

// Requests
export const TenantQuery = Type.Object({ tenant_id: Type.Optional(TenantIdSchema) }, strict);
export const IdParams = Type.Object({ id: SessionIdSchema }, strict);
export const CreateSessionBody = Type.Object(
  {
    user_id: Text("user_id"),
    tenant_id: Type.Optional(TenantIdSchema),
    username: Type.Optional(Nullable(Text("username"))),
    client_id: Type.Optional(ClientIdSchema),
    workspace_id: Type.Optional(Nullable(Text("workspace_id"))),
    session_type: Type.Optional(Nullable(Type.Union(SESSION_TYPES.map((t) => Type.Literal(t))))),
    aud: Type.Optional(Nullable(Text("aud"))),
    scopes: Type.Optional(StringList("scopes")),
    amr: Type.Optional(StringList("amr")),
    actor: Type.Optional(Nullable(Type.Object({}, { additionalProperties: true }))),
    active_organization_id: Type.Optional(Nullable(Text("active_organization_id"))),
    ip: Type.Optional(Nullable(Bounded("ip"))),
    user_agent: Type.Optional(Nullable(Bounded("user_agent"))),
    client_hints: Type.Optional(Nullable(ClientHintsSchema)),
    metadata: Type.Optional(Metadata),
    max_age_minutes: Type.Optional(Nullable(Bounds("max_age_minutes"))),
    lifetime_seconds: Type.Optional(Bounds("lifetime_seconds")),
    inactivity_timeout_seconds: Type.Optional(Nullable(Bounds("inactivity_timeout_seconds"))),
    sliding_expiration: Type.Optional(Type.Boolean()),
    bind_user_agent: Type.Optional(Type.Boolean()),
    pending: Type.Optional(Type.Boolean()),
    replaces_session_id: Type.Optional(SessionIdSchema),
  },
  strict,
);
const useFields = {
  // No length bound here: a token of any size (up to the 1 MiB body limit) is a bad token, 401
  // token_invalid like any other (an app forwards whatever cookie came), refused by length before any hashing.
  token: Type.String({ description: "the session token" }),
  ip: Type.Optional(Nullable(Bounded("ip"))),
  user_agent: Type.Optional(Nullable(Bounded("user_agent"))),
  client_hints: Type.Optional(Nullable(ClientHintsSchema)),
  accept_pending: Type.Optional(Type.Boolean()),
  tenant_id: Type.Optional(TenantIdSchema),
};
export const VerifyBody = Type.Object({ ...useFields, aud: Type.Optional(Text("aud")) }, strict);
export const RefreshBody = Type.Object(useFields, strict);
export const ListQuery = Type.Object(
  {
    user_id: Type.Optional(Text("user_id")),
    client_id: Type.Optional(ClientIdSchema),
    tenant_id: Type.Optional(TenantIdSchema),
    workspace_id: Type.Optional(Text("workspace_id")),
    status: Type.Optional(StatusSchema),
    created_at_from: Type.Optional(Type.Integer({ minimum: 0 })),
    created_at_to: Type.Optional(Type.Integer({ minimum: 0 })),
    limit: Type.Optional(Bounds("limit")),
    offset: Type.Optional(Bounds("offset", `at most ${LIMITS.integers.offset.maximum}; page further with next_cursor`)),
    cursor: Type.Optional(Bounded("cursor")),
    paginated: Type.Optional(Type.Boolean({ description: "accepted for Clerk SDK compatibility; ignored" })),
  },
  strict,
);
export const PageQuery = Type.Object(
  { limit: Type.Optional(Bounds("limit")), cursor: Type.Optional(Bounded("cursor")), tenant_id: Type.Optional(TenantIdSchema) },
  strict,
);
export const PatchBody = Type.Object(
  {
    metadata: Type.Optional(Metadata),
    active_organization_id: Type.Optional(Nullable(Text("active_organization_id"))),
    scopes: Type.Optional(StringList("scopes")),
    username: Type.Optional(Nullable(Text("username"))),
    workspace_id: Type.Optional(Nullable(Text("workspace_id"))),
    tenant_id: Type.Optional(TenantIdSchema),
  },
  strict,
);
export const ActivateBody = Type.Object({ amr: Type.Optional(StringList("amr")), tenant_id: Type.Optional(TenantIdSchema) }, strict);
export const RevokeBody = Type.Object({ reason: Type.Optional(Text("reason")), tenant_id: Type.Optional(TenantIdSchema) }, strict);
export const UserParams = Type.Object({ user_id: Text("user_id") }, strict);
export const UserRevokeBody = Type.Object(
  { except_session_id: Type.Optional(SessionIdSchema), reason: Type.Optional(Text("reason")), tenant_id: Type.Optional(TenantIdSchema) },
  strict,
);
export const KeyCreateBody = Type.Object({ tenant_id: TenantIdSchema, name: Type.Optional(Text("name")) }, strict);
export const KeyParams = Type.Object({ id: Type.String({ pattern: API_KEY_ID_PATTERN.source }) }, strict);
export const TenantParams = Type.Object({ tenant_id: TenantIdSchema }, strict);

/** POST bodies are optional where nothing is needed: Clerk's SDK sends none. */
export const OptionalBody = <T extends TSchema>(schema: T) => Nullable(schema);

/** Responses every authenticated route may give besides its success. */
export const errorResponses = {
  400: ErrorSchema,
  401: ErrorSchema,
  403: ErrorSchema,
  404: ErrorSchema,
  409: ErrorSchema,
  413: ErrorSchema,
  415: ErrorSchema,
  422: ErrorSchema,
  429: ErrorSchema,
  503: ErrorSchema,
};
