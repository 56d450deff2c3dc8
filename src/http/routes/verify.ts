/** Verify: the call apps make on every request (`POST /v1/sessions/verify`, Clerk's `/v1/sessions/{id}/verify`). */
import type { FastifyPluginAsyncTypebox, Static } from "@fastify/type-provider-typebox";
import { definedOnly } from "../../core/defined-only.js";
import { SessiondError } from "../../core/errors.js";
import type { Sessions } from "../../core/service.js";
import type { Config } from "../../config.js";
import { verifyGuard } from "../abuse.js";
import { type Authenticated, type AuthDeps, authenticator, scopeOf } from "../auth.js";
import { type ClientSource, clientOf } from "../client.js";
import type { Metrics } from "../metrics.js";
import { IdParams, SessionSchema, VerifyBody, type WireSession, errorResponses } from "../schemas.js";
import { wireSession } from "../wire.js";

export interface VerifyRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "verify">;
  config: Pick<Config, "trustProxy">;
  metrics: Pick<Metrics, "countVerification">;
}

/** The path the lean verify path (src/http/lean-verify.ts) answers in front of Fastify. */
export const VERIFY_PATH = "/v1/sessions/verify";

const FAILURE_MESSAGE = "the session token was not accepted";

/**
 * A verify of an authenticated request's valid body: the wire session, or the failure's code
 * thrown. Shared by the route below and the lean verify path, so both answer alike.
 */
export function verifier(deps: VerifyRouteDeps) {
  const guard = verifyGuard(deps.rateLimiter);
  return (request: Authenticated & ClientSource, b: Static<typeof VerifyBody>, sessionId?: string): Promise<WireSession> => {
    const use = {
      ...scopeOf(request, b.tenant_id),
      ...clientOf(request, b, deps.config.trustProxy),
      ...definedOnly({ aud: b.aud, acceptPending: b.accept_pending, sessionId }),
    };
    // Only an IP the app forwards is the user's: the socket's is the app server, shared by all its users.
    return guard(request, b.ip ?? null, async () => {
      const result = await deps.sessions.verify(b.token, use);
      deps.metrics.countVerification(result.valid ? "valid" : result.code);
      if (!result.valid) throw new SessiondError(result.code, FAILURE_MESSAGE);
      return wireSession(result.session);
    });
  };
}

export const verifyRoutes: FastifyPluginAsyncTypebox<VerifyRouteDeps> = async (app, deps) => {
  app.addHook("onRequest", authenticator(deps));
  const verify = verifier(deps);

  const verifySchema = { tags: ["sessions"], body: VerifyBody, response: { 200: SessionSchema, ...errorResponses } };
  app.post(VERIFY_PATH, { schema: { ...verifySchema, summary: "Verify a session token and record activity" } }, async (request) =>
    verify(request, request.body),
  );
  app.post(
    "/v1/sessions/:id/verify",
    { schema: { ...verifySchema, params: IdParams, summary: "Verify a token of this session (Clerk form)" } },
    async (request) => verify(request, request.body, request.params.id),
  );
};
