/**
 * `buildApp(deps)`: the REST API as a Fastify instance that is not listening.
 * `serve` listens; tests use `app.inject()`.
 */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { Ajv } from "ajv";
import { sharedSerializers } from "./shared-serializers.js";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  LogController,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from "fastify";
import type { ApiKeys } from "../core/api-keys.js";
import type { RateLimiter } from "../core/rate-limit.js";
import { SessiondError } from "../core/errors.js";
import type { Sessions } from "../core/service.js";
import type { Config } from "../config.js";
import type { SigningKeys } from "../jwt/signing-keys.js";
import { UNSUPPORTED_MEDIA_TYPE_MESSAGE, handleError, handleNotFound, newTraceId } from "./errors.js";
import { parseJsonBody } from "./json-body.js";
import { leanVerify } from "./lean-verify.js";
import { createMetrics, type Metrics } from "./metrics.js";
import { eventRoutes } from "./routes/events.js";
import { jwksRoutes } from "./routes/jwks.js";
import { jwtTemplateRoutes } from "./routes/jwt-templates.js";
import { keyRoutes } from "./routes/keys.js";
import { opsRoutes } from "./routes/ops.js";
import { refreshRoutes } from "./routes/refresh.js";
import { sessionJwtRoutes } from "./routes/session-jwts.js";
import { sessionRoutes } from "./routes/sessions.js";
import { statsRoutes } from "./routes/stats.js";
import { tenantRoutes } from "./routes/tenants.js";
import { userRoutes } from "./routes/users.js";
import { verifyRoutes } from "./routes/verify.js";
import { webhookRoutes } from "./routes/webhooks.js";
import { VerifyBody } from "./schemas.js";

export const BODY_LIMIT = 1024 * 1024;

/**
 * How long a verifier or a CDN may keep the public JWKS. A new signing key is published
 * PUBLISH_LEAD_MS (60 s) before it signs; it reaches every server's JWKS within 1 s, a cache
 * in front serves it at most this late, and a verifier that refetched just before then may wait
 * out its own refetch cooldown (jose's default: 30 s): 1 + 20 + 30 < 60, with room for delays.
 */
export const JWKS_MAX_AGE_SECONDS = 20;
const PUBLIC_JWKS_CACHE = `public, max-age=${JWKS_MAX_AGE_SECONDS}`;

/**
 * The docs page's Content-Security-Policy: everything from this origin only, nothing inline.
 * Not swagger-ui's own (`staticCSP: true`), whose `upgrade-insecure-requests` sends every
 * script and stylesheet to https: over plain http on any host but localhost the page stays blank.
 */
const DOCS_CSP = [
  "default-src 'none'",
  "base-uri 'none'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "manifest-src 'self'",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
].join("; ");

/**
 * Responses under /v1 carry tokens, keys, secrets and users' data: no cache may keep them.
 * The public JWKS is the exception verifiers should cache; with an Authorization header it
 * is an authenticated answer like the rest (shared caches must not serve it to others).
 */
function cacheControlFor(request: FastifyRequest, statusCode: number): string | null {
  const path = request.url.split("?", 1)[0]!;
  const publicJwks = path === "/.well-known/jwks.json" || (path === "/v1/jwks" && request.headers.authorization === undefined);
  if (publicJwks && statusCode === 200) return PUBLIC_JWKS_CACHE;
  return path === "/v1" || path.startsWith("/v1/") || statusCode >= 400 ? "no-store" : null;
}

/** What the app is handed: services, never a concrete store. Each route module declares the part it needs. */
export interface AppDeps {
  sessions: Sessions;
  apiKeys: ApiKeys;
  config: Config;
  /** A pino logger (or options); omitted: silent. */
  logger?: FastifyBaseLogger;
  metrics?: Metrics;
  /** Abuse controls (failed verifications, requests per key); omitted: none. */
  rateLimiter?: RateLimiter;
  /** Publishes the JWKS; omitted: an empty key set. */
  signingKeys?: SigningKeys;
}

export type App = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

// Bodies must not be coerced ("5" is not 5); query strings and params can only be strings, so they are.
const bodyAjv = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });
const queryAjv = new Ajv({ coerceTypes: true, removeAdditional: false, useDefaults: true, allErrors: false, strict: false });

export async function buildApp(deps: AppDeps): Promise<App> {
  const metrics = deps.metrics ?? createMetrics();
  const routeDeps = { ...deps, metrics };
  const lean = leanVerify({
    ...routeDeps,
    validateBody: bodyAjv.compile(VerifyBody),
    bodyLimit: BODY_LIMIT,
    logRequests: deps.config.logRequests,
    logger: deps.logger,
  });
  const app = Fastify({
    // POST /v1/sessions/verify is answered in front of Fastify when listening (lean-verify.ts); inject() never sees it.
    serverFactory: (handler, options) => lean.server(handler, options),
    // Equal response schemas share one compiled serializer (shared-serializers.ts).
    schemaController: { compilersFactory: { buildSerializer: sharedSerializers } },
    ...(deps.logger === undefined ? { logger: false } : { loggerInstance: deps.logger }),
    bodyLimit: BODY_LIMIT,
    genReqId: () => newTraceId(),
    // Fastify's own request logging writes two lines per request; `logRequests` writes one, on demand.
    logController: new LogController({ disableRequestLogging: true }),
    requestTimeout: deps.config.requestTimeoutMs,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 1024 }, // user ids may be 256 characters, percent-encoded up to three times longer
    // Router-level failures (malformed URL encoding, over-long params) go through the same error registry.
    frameworkErrors: (error, request, reply) => handleError(error, request, reply),
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addHook("preClose", (done) => {
    lean.closing();
    done();
  });

  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === "body" ? bodyAjv : queryAjv).compile(schema));
  app.decorateRequest("principal", null);
  // JSON only: Fastify's own parsers (text/plain among them) would turn an empty body into "".
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("application/json", { parseAs: "string", bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (error) {
      done(error as SessiondError, undefined);
    }
  });
  // Any other media type: a body that is there must be JSON (415), but a request without one
  // needs no Content-Type at all, whatever header it carries (SPEC §5).
  app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: BODY_LIMIT }, (_request, body, done) => {
    if ((body as Buffer).length === 0) return done(null, undefined);
    done(new SessiondError("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE_MESSAGE), undefined);
  });
  // Callback-style hooks: on the hot path, an async hook's promise per request shows in the profile.
  app.addHook("onSend", (request, reply, payload, done) => {
    const type = reply.getHeader("content-type");
    if (typeof type === "string" && type.startsWith("application/json")) reply.header("content-type", "application/json");
    const cacheControl = cacheControlFor(request, reply.statusCode);
    if (cacheControl !== null) reply.header("cache-control", cacheControl);
    done(null, payload);
  });
  const logRequests = deps.config.logRequests;
  app.addHook("onResponse", (request, reply, done) => {
    const route = request.routeOptions.url ?? "unknown";
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    // The route pattern, never the URL: nothing a caller sent (a token, a user id) reaches the log.
    if (logRequests) request.log.info({ method: request.method, route, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, "request");
    done();
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: { title: "sessiond", version: "0.1.0", description: "User-session management: create, verify, refresh, list and end sessions." },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer", description: "root or tenant API key" } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: "/docs", uiConfig: { docExpansion: "list", layout: "BaseLayout" }, staticCSP: DOCS_CSP });

  await app.register(opsRoutes, routeDeps);
  await app.register(verifyRoutes, routeDeps);
  await app.register(refreshRoutes, routeDeps);
  await app.register(sessionRoutes, routeDeps);
  await app.register(userRoutes, routeDeps);
  await app.register(keyRoutes, routeDeps);
  await app.register(tenantRoutes, routeDeps);
  await app.register(statsRoutes, routeDeps);
  await app.register(eventRoutes, routeDeps);
  await app.register(sessionJwtRoutes, routeDeps);
  await app.register(jwtTemplateRoutes, routeDeps);
  await app.register(jwksRoutes, routeDeps);
  await app.register(webhookRoutes, routeDeps);
  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());
  return app;
}
