/**
 * State changes of one session (activate, end, revoke, delete, update) and of
 * all of a user's sessions. Each is a conditional write retried on `conflict`,
 * so racing callers get exactly one outcome and nothing terminal comes back.
 */
import type { ServiceContext, Scope } from "./context.js";
import { SessiondError, isSessiondError } from "./errors.js";
import { initiatorOf, stampFor } from "./event-stamps.js";
import * as input from "./input.js";
import { type Session, type SessionChange, type SessionRecord, type SessionStatus, isTerminal } from "./model.js";
import { abandonAtFor, expireAtFor } from "./deadlines.js";
import { activeSessionLimit } from "./session-limit.js";
import { resolvePolicy } from "./policy.js";
import type { ActivationOptions } from "./store/index.js";
import { toSession } from "./view.js";

const MAX_ATTEMPTS = 8;

type Decision = { change: SessionChange; activation?: ActivationOptions } | { keep: true };
type Decide = (record: SessionRecord, status: SessionStatus, nowMs: number) => Decision | Promise<Decision>;

/**
 * Reads a session visible in `scope`; anything else is `resource_not_found`. This process's
 * pending activity write is overlaid, so a read right after a verify sees what it recorded.
 */
export async function loadScoped(ctx: ServiceContext, id: string, scope: Scope): Promise<SessionRecord> {
  input.sessionId(id, "id");
  const record = await ctx.sessions.get(id);
  if (record === null || (scope.tenantId !== undefined && record.tenantId !== scope.tenantId))
    throw new SessiondError("resource_not_found", "no such session", { details: { id } });
  return ctx.activity === null ? record : ctx.activity.overlay(record);
}

/**
 * Reads, decides and writes conditionally, re-deciding on a lost race. The session's pending
 * activity lands first: recorded before the change, it would be refused after it (an ended
 * session takes no activity).
 */
export async function transition(ctx: ServiceContext, id: string, scope: Scope, decide: Decide): Promise<Session> {
  await ctx.activity?.settle(id);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const record = await loadScoped(ctx, id, scope);
    const now = ctx.clock.now();
    const decision = await decide(record, statusOf(record, now), now);
    if ("keep" in decision) return toSession(record, now);
    try {
      const stamp = stampFor(ctx, initiatorOf(scope));
      const updated = await ctx.sessions.update(id, { ...decision.change, updatedAt: now }, record.version, decision.activation, stamp);
      return toSession(updated, now);
    } catch (error) {
      if (!isSessiondError(error, "conflict")) throw error;
    }
  }
  throw new SessiondError("conflict", "the session kept changing; try again");
}

function statusOf(record: SessionRecord, nowMs: number): SessionStatus {
  return toSession(record, nowMs).status;
}

function terminalError(status: SessionStatus): SessiondError {
  return new SessiondError("session_terminal", `the session is already ${status}`, { details: { status } });
}

/** A decision that ends a live session as `target`; repeating it keeps the session as it is. */
export function endAs(target: "ended" | "revoked" | "removed" | "replaced", endReason: string): Decide {
  return (_record, status, now) => {
    if (status === target) return { keep: true };
    if (isTerminal(status)) throw terminalError(status);
    return { change: { status: target, endReason, endedAt: now, ...(target === "revoked" ? { revokedAt: now } : {}) } };
  };
}

/** Soft delete: the session stays readable; a live one is revoked with `deleted`. */
export const softDelete: Decide = (record, status, now) => {
  if (record.isDeleted) return { keep: true };
  if (isTerminal(status)) return { change: { isDeleted: true } };
  return { change: { isDeleted: true, status: "revoked", endReason: "deleted", revokedAt: now, endedAt: now } };
};

/** `pending` → `active`: the lifetime starts now and the user's limit applies. */
export function activate(ctx: ServiceContext, amr: string[]): Decide {
  return async (record, status, now) => {
    if (status === "active") return { keep: true };
    if (status !== "pending") throw terminalError(status);
    // The limit removes the least recently active: the user's pending activity must be in the store.
    await ctx.activity?.settleUser(record.tenantId, record.userId);
    const policy = resolvePolicy(ctx.settings, await ctx.policies.get(record.tenantId));
    const started = { ...record, startedAt: now };
    return {
      change: {
        status: "active",
        startedAt: now,
        lastActiveAt: now,
        expireAt: expireAtFor(started, now),
        abandonAt: abandonAtFor(record, now),
        amr: [...new Set([...record.amr, ...amr])],
      },
      activation: { maxActivePerUser: activeSessionLimit(policy, ctx.settings), nowMs: now },
    };
  };
}

/** The fields PATCH may change (SPEC §5). */
export interface SessionUpdate {
  metadata?: Record<string, unknown>;
  activeOrganizationId?: string | null;
  scopes?: string[];
  username?: string | null;
  workspaceId?: string | null;
}

/** Checks an update before any read, so bad input never costs a store call. */
export function checkUpdate(patch: SessionUpdate): SessionChange {
  const change: SessionChange = {};
  if (patch.metadata !== undefined) change.metadata = input.metadata(patch.metadata);
  if (patch.activeOrganizationId !== undefined) change.lastActiveOrganizationId = input.optionalText("active_organization_id", patch.activeOrganizationId);
  if (patch.scopes !== undefined) change.scopes = input.stringList("scopes", patch.scopes);
  if (patch.username !== undefined) change.username = input.optionalText("username", patch.username);
  if (patch.workspaceId !== undefined) change.workspaceId = input.optionalText("workspace_id", patch.workspaceId);
  return change;
}

/** A terminal session is an audit record: its data no longer changes. */
export function applyUpdate(change: SessionChange): Decide {
  return (_record, status) => {
    if (isTerminal(status)) throw terminalError(status);
    return Object.keys(change).length === 0 ? { keep: true } : { change };
  };
}

/** Ends all of a user's live sessions (except one) in one store call; returns how many. */
export async function endUserSessions(
  ctx: ServiceContext,
  tenantId: string,
  userId: string,
  ending: { status: "revoked" | "removed"; endReason: string },
  scope: Scope,
  exceptId?: string,
): Promise<number> {
  await ctx.activity?.settleUser(tenantId, userId);
  const now = ctx.clock.now();
  const filter = { tenantId, userId, nowMs: now, ...(exceptId === undefined ? {} : { exceptId }) };
  const ended = await ctx.sessions.endMany(filter, { ...ending, atMs: now }, stampFor(ctx, initiatorOf(scope)));
  return ended.length;
}
