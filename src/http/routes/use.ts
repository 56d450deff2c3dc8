/** Verify and refresh: the calls apps make on every request. */
import type { Static } from "@fastify/type-provider-typebox";
import type { FastifyRequest } from "fastify";
import { SessiondError } from "../../core/errors.js";
import type { VerifyRequest } from "../../core/verify.js";
import type { App, RouteDeps } from "../app.js";
import { authenticator, scopeOf } from "../auth.js";
import { clientIp, clientUserAgent } from "../client.js";
import { IdParams, RefreshBody, SessionSchema, SessionWithTokenSchema, VerifyBody, errorResponses } from "../schemas.js";
import { clientHintsFromWire, wireSession } from "../wire.js";
import { verifyGuard } from "../abuse.js";

const FAILURE_MESSAGE = "the session token was not accepted";

export async function useRoutes(app: App, deps: RouteDeps): Promise<void> {
  app.addHook("onRequest", authenticator(deps));

  const useRequest = (request: FastifyRequest, body: Static<typeof RefreshBody> & { aud?: string }, sessionId?: string): VerifyRequest => ({
    ...scopeOf(request, body.tenant_id),
    ip: clientIp(request, body.ip, deps.config.trustProxy),
    userAgent: clientUserAgent(request, body.user_agent),
    clientHints: clientHintsFromWire(body.client_hints),
    ...(body.aud === undefined ? {} : { aud: body.aud }),
    ...(body.accept_pending === undefined ? {} : { acceptPending: body.accept_pending }),
    ...(sessionId === undefined ? {} : { sessionId }),
  });

  const guard = verifyGuard(deps.rateLimiter);
  const verify = async (request: FastifyRequest, body: Static<typeof VerifyBody>, sessionId?: string) => {
    const use = useRequest(request, body, sessionId);
    // Only an IP the app forwards is the user's: the socket's is the app server, shared by all its users.
    return guard(request, body.ip ?? null, async () => {
      const result = await deps.sessions.verify(body.token, use);
      deps.metrics.countVerification(result.valid ? "valid" : result.code);
      if (!result.valid) throw new SessiondError(result.code, FAILURE_MESSAGE);
      return wireSession(result.session);
    });
  };

  const verifySchema = { tags: ["sessions"], body: VerifyBody, response: { 200: SessionSchema, ...errorResponses } };
  app.post("/v1/sessions/verify", { schema: { ...verifySchema, summary: "Verify a session token and record activity" } }, async (request) => verify(request, request.body));
  app.post(
    "/v1/sessions/:id/verify",
    { schema: { ...verifySchema, params: IdParams, summary: "Verify a token of this session (Clerk form)" } },
    async (request) => verify(request, request.body, request.params.id),
  );

  app.post(
    "/v1/sessions/refresh",
    { schema: { tags: ["sessions"], summary: "Rotate a session token", body: RefreshBody, response: { 200: SessionWithTokenSchema, ...errorResponses } } },
    async (request) => {
      const use = useRequest(request, request.body);
      const { session, token } = await guard(request, request.body.ip ?? null, () => deps.sessions.refresh(request.body.token, use));
      return { ...wireSession(session), token };
    },
  );
}
