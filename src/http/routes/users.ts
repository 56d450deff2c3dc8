/** Users: who is online, and ending all of a user's sessions. */
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { definedOnly } from "../../core/defined-only.js";
import type { Sessions } from "../../core/service.js";
import { type AuthDeps, authenticator, initiatorOf, tenantOf } from "../auth.js";
import { pageFromWire } from "../from-wire.js";
import {
  OptionalBody,
  PageQuery,
  RemovedCountSchema,
  RevokedCountSchema,
  TenantQuery,
  UserListSchema,
  UserParams,
  UserRevokeBody,
  errorResponses,
} from "../schemas.js";
import { wireUser } from "../wire.js";

export interface UserRouteDeps extends AuthDeps {
  sessions: Pick<Sessions, "users" | "revokeUser" | "removeUser">;
}

const tags = ["users"];

export const userRoutes: FastifyPluginAsyncTypebox<UserRouteDeps> = async (app, deps) => {
  const { sessions } = deps;
  app.addHook("onRequest", authenticator(deps));

  app.get(
    "/v1/users",
    {
      schema: {
        tags,
        summary: "Users with active sessions, most recently active first",
        querystring: PageQuery,
        response: { 200: UserListSchema, ...errorResponses },
      },
    },
    async (request) => {
      const page = await sessions.users({ tenantId: tenantOf(request, request.query.tenant_id), ...pageFromWire(request.query) });
      return { data: page.data.map(wireUser), next_cursor: page.nextCursor };
    },
  );

  app.post(
    "/v1/users/:user_id/sessions/revoke",
    {
      schema: {
        tags,
        summary: "Revoke all of a user's live sessions",
        params: UserParams,
        querystring: TenantQuery,
        body: OptionalBody(UserRevokeBody),
        response: { 200: RevokedCountSchema, ...errorResponses },
      },
    },
    async (request) => {
      const b = request.body ?? {};
      const { revokedCount } = await sessions.revokeUser(request.params.user_id, {
        tenantId: tenantOf(request, b.tenant_id ?? request.query.tenant_id),
        initiatedBy: initiatorOf(request),
        ...definedOnly({ exceptSessionId: b.except_session_id, reason: b.reason }),
      });
      return { revoked_count: revokedCount };
    },
  );

  app.delete(
    "/v1/users/:user_id/sessions",
    {
      schema: {
        tags,
        summary: "The user was removed: end all their sessions as removed",
        params: UserParams,
        querystring: TenantQuery,
        response: { 200: RemovedCountSchema, ...errorResponses },
      },
    },
    async (request) => {
      const { removedCount } = await sessions.removeUser(request.params.user_id, {
        tenantId: tenantOf(request, request.query.tenant_id),
        initiatedBy: initiatorOf(request),
      });
      return { removed_count: removedCount };
    },
  );
};
