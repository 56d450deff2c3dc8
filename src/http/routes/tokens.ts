/** Session JWTs, Clerk's refresh and JWT templates (SPEC §5, §6); the JWKS, which needs no key. */
import type { FastifyRequest } from "fastify";
import type { SessionJwt } from "../../core/session-jwt.js";
import type { App, RouteDeps } from "../app.js";
import { authenticator, scopeOf, tenantOf } from "../auth.js";
import { errorResponses } from "../schemas.js";
import {
  CookiesSchema, JwksSchema, JwtRefreshBody, JwtRefreshQuery, JwtTemplateListSchema, JwtTemplateSchema, TemplateCreateBody, TemplateParams, TemplatePatchBody,
  TemplateTokenParams, TokenBody, TokenParams, TokenSchema, wireTemplate,
} from "../token-schemas.js";
import { TenantQuery } from "../schemas.js";
import { type Static, Type } from "@fastify/type-provider-typebox";
import { SessiondError } from "../../core/errors.js";
import { verifyGuard } from "../abuse.js";

const optionalBody = <T extends ReturnType<typeof Type.Object>>(schema: T) => Type.Union([schema, Type.Null()]);
/** Where Clerk's frontend SDK looks for the session JWT when a refresh asks for cookies. */
const CLERK_SESSION_COOKIE = "__session";

function wireToken(minted: SessionJwt) {
  return { object: "token" as const, jwt: minted.jwt };
}

/** The request's user agent among Clerk's forwarded `request_headers` (any case). */
function forwardedUserAgent(headers: Record<string, string[]> | undefined): string | null {
  if (headers === undefined) return null;
  const entry = Object.entries(headers).find(([name]) => name.toLowerCase() === "user-agent");
  return entry?.[1][0] ?? null;
}

export async function tokenRoutes(app: App, deps: RouteDeps): Promise<void> {
  const { sessions } = deps;
  const guard = verifyGuard(deps.rateLimiter);
  app.addHook("onRequest", authenticator(deps));
  const mintSchema = { tags: ["tokens"], querystring: TenantQuery, body: optionalBody(TokenBody), response: { 200: TokenSchema, ...errorResponses } };

  type MintBody = Static<typeof TokenBody> | null;
  const mint = async (request: FastifyRequest, body: MintBody, queryTenant: string | undefined, id: string, template?: string) => {
    const b = body ?? {};
    return wireToken(
      await sessions.mintJwt(id, {
        ...scopeOf(request, b.tenant_id ?? queryTenant),
        ...(template === undefined ? {} : { template }),
        ...(b.expires_in_seconds === undefined ? {} : { expiresInSeconds: b.expires_in_seconds }),
        ...(b.accept_pending === undefined ? {} : { acceptPending: b.accept_pending }),
        ...(b.user_agent === undefined ? {} : { userAgent: b.user_agent }),
        ...(b.aud === undefined ? {} : { aud: b.aud }),
      }),
    );
  };
  app.post("/v1/sessions/:id/tokens", { schema: { ...mintSchema, summary: "Mint a session JWT", params: TokenParams } }, async (request) =>
    mint(request, request.body, request.query.tenant_id, request.params.id),
  );
  app.post("/v1/sessions/:id/tokens/:template", { schema: { ...mintSchema, summary: "Mint a session JWT shaped by a template", params: TemplateTokenParams } }, async (request) =>
    mint(request, request.body, request.query.tenant_id, request.params.id, request.params.template),
  );

  app.post(
    "/v1/sessions/:id/refresh",
    {
      schema: {
        tags: ["tokens"],
        summary: "Clerk refresh: a session token buys a fresh JWT",
        params: TokenParams,
        querystring: JwtRefreshQuery,
        body: JwtRefreshBody,
        response: { 200: Type.Union([TokenSchema, CookiesSchema]), ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body;
      const minted = await guard(request, b.request_originating_ip ?? null, () =>
        sessions.refreshJwt(request.params.id, {
          ...scopeOf(request, b.tenant_id ?? request.query.tenant_id),
          refreshToken: b.refresh_token,
          // Clerk's SDK sends "" when it has no expired JWT: that is "not given".
          ...(b.expired_token === undefined || b.expired_token === "" ? {} : { expiredToken: b.expired_token }),
          ip: b.request_originating_ip ?? null,
          userAgent: forwardedUserAgent(b.request_headers),
        }),
      );
      if (b.format !== "cookie") return wireToken(minted);
      const maxAge = minted.claims.exp - minted.claims.iat;
      return { object: "cookies" as const, cookies: [`${CLERK_SESSION_COOKIE}=${minted.jwt}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Lax`] };
    },
  );

  const templateTags = ["jwt_templates"];
  const oneTemplate = { 200: JwtTemplateSchema, ...errorResponses };
  app.get("/v1/jwt_templates", { schema: { tags: templateTags, summary: "A tenant's JWT templates", querystring: TenantQuery, response: { 200: JwtTemplateListSchema, ...errorResponses } } }, async (request) => {
    const list = await sessions.templates.list(tenantOf(request, request.query.tenant_id));
    return { data: list.map(wireTemplate), total_count: list.length };
  });
  app.post("/v1/jwt_templates", { schema: { tags: templateTags, summary: "Create a JWT template", body: TemplateCreateBody, response: oneTemplate } }, async (request) => {
    const b = request.body;
    const tenantId = tenantOf(request, b.tenant_id);
    if ((await sessions.templates.list(tenantId)).some((t) => t.name === b.name))
      throw new SessiondError("conflict", "a JWT template of this name exists; PATCH it or DELETE it first", { details: { name: b.name } });
    return wireTemplate(await sessions.templates.put(tenantId, b.name, templateInput(b)));
  });
  app.get("/v1/jwt_templates/:name", { schema: { tags: templateTags, summary: "One JWT template", params: TemplateParams, querystring: TenantQuery, response: oneTemplate } }, async (request) =>
    wireTemplate(await sessions.templates.get(tenantOf(request, request.query.tenant_id), request.params.name)),
  );
  app.patch("/v1/jwt_templates/:name", { schema: { tags: templateTags, summary: "Change a JWT template", params: TemplateParams, body: TemplatePatchBody, response: oneTemplate } }, async (request) =>
    wireTemplate(await sessions.templates.patch(tenantOf(request, request.body.tenant_id), request.params.name, templateInput(request.body))),
  );
  app.delete("/v1/jwt_templates/:name", { schema: { tags: templateTags, summary: "Delete a JWT template", params: TemplateParams, querystring: TenantQuery, response: oneTemplate } }, async (request) =>
    wireTemplate(await sessions.templates.delete(tenantOf(request, request.query.tenant_id), request.params.name)),
  );
}

function templateInput(b: { claims?: Record<string, unknown>; session_fields?: string[]; lifetime_seconds?: number | null }) {
  return {
    ...(b.claims === undefined ? {} : { claims: b.claims }),
    ...(b.session_fields === undefined ? {} : { sessionFields: b.session_fields }),
    ...(b.lifetime_seconds === undefined ? {} : { lifetimeSeconds: b.lifetime_seconds }),
  };
}

/** The public keys of session JWTs: no API key; cacheable briefly (`Cache-Control` is set in app.ts with every other route's). */
export async function jwksRoutes(app: App, deps: RouteDeps): Promise<void> {
  const jwks = async () => (deps.signingKeys === undefined ? { keys: [] } : deps.signingKeys.jwks());
  const schema = { tags: ["tokens"], security: [], response: { 200: JwksSchema, ...errorResponses } };
  app.get("/v1/jwks", { schema: { ...schema, summary: "Public keys of session JWTs" } }, jwks);
  app.get("/.well-known/jwks.json", { schema: { ...schema, summary: "Public keys of session JWTs (well-known path)" } }, jwks);
}
