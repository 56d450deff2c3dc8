/**
 * Session JWTs (SPEC §6): minting one from a session, optionally shaped by a template, and
 * Clerk's JWT refresh (`POST /v1/sessions/{id}/refresh`: a session token buys a fresh JWT).
 */
import { type FastifyPluginAsyncTypebox, type Static, Type } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { definedOnly } from "../../core/defined-only.js";
import type { Sessions } from "../../core/service.js";
import type { SessionJwt } from "../../core/session-jwt.js";
import { verifyGuard } from "../abuse.js";
import { type AuthDeps, authenticator, scopeOf } from "../auth.js";
import { jwtRefreshFromWire, mintFromWire } from "../from-wire.js";
import { OptionalBody, TenantQuery, errorResponses } from "../schemas.js";
import { CookiesSchema, JwtRefreshBody, JwtRefreshQuery, TemplateTokenParams, TokenBody, TokenParams, TokenSchema } from "../jwt-schemas.js";

export interface SessionJwtRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "mintJwt" | "refreshJwt">;
}

/** Where Clerk's frontend SDK looks for the session JWT when a refresh asks for cookies. */
const CLERK_SESSION_COOKIE = "__session";

function wireToken(minted: SessionJwt) {
  return { object: "token" as const, jwt: minted.jwt };
}

export const sessionJwtRoutes: FastifyPluginAsyncTypebox<SessionJwtRouteDeps> = async (app, deps) => {
  const { sessions } = deps;
  const guard = verifyGuard(deps.rateLimiter);
  app.addHook("onRequest", authenticator(deps));
  const mintSchema = { tags: ["tokens"], querystring: TenantQuery, body: OptionalBody(TokenBody), response: { 200: TokenSchema, ...errorResponses } };

  const mint = async (request: FastifyRequest, body: Static<typeof TokenBody> | null, queryTenant: string | undefined, id: string, template?: string) => {
    const b = body ?? {};
    return wireToken(await sessions.mintJwt(id, { ...scopeOf(request, b.tenant_id ?? queryTenant), ...definedOnly({ template }), ...mintFromWire(b) }));
  };
  app.post("/v1/sessions/:id/tokens", { schema: { ...mintSchema, summary: "Mint a session JWT", params: TokenParams } }, async (request) =>
    mint(request, request.body, request.query.tenant_id, request.params.id),
  );
  app.post(
    "/v1/sessions/:id/tokens/:template",
    { schema: { ...mintSchema, summary: "Mint a session JWT shaped by a template", params: TemplateTokenParams } },
    async (request) => mint(request, request.body, request.query.tenant_id, request.params.id, request.params.template),
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
      const refresh = { ...scopeOf(request, b.tenant_id ?? request.query.tenant_id), ...jwtRefreshFromWire(b) };
      const minted = await guard(request, b.request_originating_ip ?? null, () => sessions.refreshJwt(request.params.id, refresh));
      if (b.format !== "cookie") return wireToken(minted);
      const maxAge = minted.claims.exp - minted.claims.iat;
      return { object: "cookies" as const, cookies: [`${CLERK_SESSION_COOKIE}=${minted.jwt}; Path=/; Max-Age=${maxAge}; Secure; SameSite=Lax`] };
    },
  );
};
