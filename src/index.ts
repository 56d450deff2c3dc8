/**
 * sessiond: user-session management for TypeScript and Node.js.
 *
 * @example
 * import { createSessions, sqliteStore } from "sessiond";
 * const sessions = createSessions({ store: sqliteStore({ path: "./data/sessiond.db" }) });
 * const { session, token } = await sessions.create({ userId: "user_1", ip, userAgent });
 * const result = await sessions.verify(token, { ip, userAgent });
 * if (result.valid) console.log(result.session.userId);
 * else console.log(result.code); // e.g. "session_expired"
 *
 * Importing this entry loads no driver, parser or JWT library: each store factory loads its
 * driver on its first call, the enricher its parsers on its first request, JWTs jose on the
 * first sign or verify (test/package/lazy-loading.test.ts holds this). Each store also has
 * an entry of its own: `sessiond/sqlite`, `sessiond/postgres`, `sessiond/redis`.
 */
export { createSessions, Sessions } from "./core/service.js";
export type { SessionsOptions, ListRequest, Paged, PolicyView } from "./core/service.js";
export type { CreateSessionInput, SessionWithToken } from "./core/create.js";
export type { VerifyRequest, VerifyResult } from "./core/verify.js";
export type { SessionUpdate } from "./core/transitions.js";
export type { Scope } from "./core/context.js";
export { SessiondError, isSessiondError, ERROR_CODES } from "./core/errors.js";
export type { ErrorCode, VerifyFailureCode } from "./core/errors.js";
export { ManualClock, ManualTimers, systemClock } from "./core/clock.js";
export type { Clock, Timers } from "./core/clock.js";
export type { ActivityFailure, ActivityWriterOptions, ActivityWriterStats, ActivityWritesOption } from "./core/activity-writer.js";
export type { RandomSource } from "./core/session-token.js";
export { DEFAULT_SETTINGS } from "./core/defaults.js";
export type { Policy, Settings, TenantPolicy } from "./core/policy.js";
export { SESSION_STATUSES, SESSION_TYPES } from "./core/model.js";
export type {
  ActivityEntry,
  ClientHints,
  DeviceAndPlace,
  Enricher,
  EndReason,
  Session,
  SessionActivity,
  SessionStatus,
  SessionType,
} from "./core/model.js";
export type {
  Store,
  SessionStore,
  ApiKeyStore,
  SigningKeyStore,
  TemplateStore,
  PolicyStore,
  CounterStore,
  ChangeFeed,
  ChangeListener,
  ChangeWatch,
  MigrationStep,
  ActivationOptions,
  ActivityWrite,
  Ending,
  Page,
  PageRequest,
  SessionFilter,
  UserSessionsFilter,
  SessionStats,
  SweepResult,
  UserSessions,
  ApiKeyRecord,
  SigningKeyRecord,
  JwtTemplateRecord,
  OutboxStore,
  EventFilter,
  EventPage,
  WebhookStore,
  WebhookEndpointRecord,
  WebhookSecretRecord,
  WebhookDispatchState,
  ScheduledDelivery,
  DeliveryAttempt,
  Seen,
  SeenQuery,
} from "./core/store/index.js";
export { EVENT_TYPES, WEBHOOK_EVENT_TYPES } from "./core/events.js";
export type { Event, EventType, InitiatedBy, Signals, EventStamp, SessionEvent, WebhookEventType } from "./core/events.js";
export type { EventFeed, EventList, EventListRequest } from "./core/events-feed.js";
export { WebhookEndpoints, openWebhookSecret } from "./core/webhooks.js";
export type {
  SendTest,
  WebhookOptions,
  WebhookEndpoint,
  WebhookDelivery,
  WebhookEndpointWithSecret,
  WebhookEndpointInput,
  WebhookEndpointPatch,
} from "./core/webhooks.js";
export { createDispatcher, signatureHeaders, signingKeysLogoutSigner, DEFAULT_RETRY_SCHEDULE_MS } from "./webhooks/index.js";
export type { Dispatcher, DispatcherOptions, DispatchStats } from "./webhooks/index.js";
export type { FlatSessionStore } from "./core/store/flat-methods.js";
export { fromFlatStore } from "./core/store/flat-methods.js";
export { memoryStore, MemoryStore } from "./stores/memory/index.js";
export { sqliteStore, SqliteStore } from "./stores/sqlite/index.js";
export { createEnricher, describeUserAgent, GeoIp } from "./enrich/index.js";
export { openStore } from "./stores/open.js";
export { postgresStore, PostgresStore } from "./stores/postgres/index.js";
export { redisStore, RedisStore } from "./stores/redis/index.js";
export { SigningKeys, chooseSigningKey } from "./jwt/signing-keys.js";
export type { SigningKeysOptions, PublicJwk, Rotation } from "./jwt/signing-keys.js";
export { createJwtVerifier, jwksUrlFor } from "./jwt/verifier.js";
export type { JwtVerifier, JwtVerifierOptions, JwtFailureReason } from "./jwt/verifier.js";
export { issuerFor, DEFAULT_JWT_LIFETIME_SECONDS, MAX_JWT_LIFETIME_SECONDS, MIN_JWT_LIFETIME_SECONDS } from "./core/jwt-claims.js";
export type { SessionClaims, TokenSigner } from "./core/jwt-claims.js";
export type { JwtSettings, SessionJwt, MintRequest, JwtRefreshRequest } from "./core/session-jwt.js";
export type { JwtTemplateInput } from "./core/jwt-templates.js";
export type { Templates } from "./core/service.js";
// Framework adapters live at sessiond/express, sessiond/fastify and sessiond/hono, so the
// main entry never needs a framework's types; the framework-neutral parts are here.
export { createAuthenticator } from "./middleware/authenticate.js";
export type { SessiondAuthOptions, AuthContext, JwtAuth, SessionAuth, AuthOutcome, AuthFailure } from "./middleware/authenticate.js";
export { sessionCookie, clearSessionCookie, SESSION_COOKIE_NAME } from "./middleware/cookie.js";
export type { SessionCookieOptions } from "./middleware/cookie.js";
