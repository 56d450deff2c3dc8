/** `list`: the non-deleted sessions of a filter, newest first, with offset or cursor paging. */
import type { Scope, ServiceContext } from "./context.js";
import { definedOnly, ifGiven } from "./defined-only.js";
import { SessiondError } from "./errors.js";
import * as input from "./input.js";
import { SESSION_STATUSES, type Session, type SessionStatus } from "./model.js";
import { type Paged, pageRequest } from "./paging.js";
import { SESSION_ID_PATTERN } from "./session-token.js";
import { toSession } from "./view.js";

/** Filters and paging of `Sessions.list`. */
export interface ListRequest extends Scope {
  userId?: string;
  clientId?: string;
  workspaceId?: string;
  status?: SessionStatus;
  createdAtFrom?: number;
  createdAtTo?: number;
  /** 1–500, default 10. */
  limit?: number;
  offset?: number;
  cursor?: string;
}

/** Non-deleted sessions, newest first, filtered, with offset or cursor paging. */
export async function listSessions(ctx: ServiceContext, req: ListRequest): Promise<Paged<Session> & { totalCount: number }> {
  const filter = {
    ...definedOnly({
      tenantId: ifGiven(req.tenantId, (id) => input.tenantId(id)),
      userId: ifGiven(req.userId, (id) => input.text("user_id", id)),
      clientId: ifGiven(req.clientId, input.clientId),
      workspaceId: ifGiven(req.workspaceId, (id) => input.text("workspace_id", id)),
      status: ifGiven(req.status, checkStatus),
      createdFrom: input.instant("created_at_from", req.createdAtFrom),
      createdTo: input.instant("created_at_to", req.createdAtTo),
    }),
    nowMs: ctx.clock.now(),
  };
  const paging = pageRequest(req, SESSION_ID_PATTERN);
  await ctx.activity?.flush(); // a list right after a verify shows the activity it recorded
  const page = await ctx.sessions.list(filter, paging);
  return { data: page.items.map((r) => toSession(r, filter.nowMs)), totalCount: page.totalCount, nextCursor: input.encodeCursor(page.nextKey) };
}

function checkStatus(value: unknown): SessionStatus {
  if (!(SESSION_STATUSES as readonly unknown[]).includes(value))
    throw new SessiondError("request_invalid", "status is not a session status", { details: { field: "status" } });
  return value as SessionStatus;
}
