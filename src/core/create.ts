/** Creating sessions (SPEC §3: policy, deadlines, limits, replacement, session types). */
import { buildActivity } from "./activity.js";
import type { ServiceContext } from "./context.js";
import { SessiondError, isSessiondError } from "./errors.js";
import { initiatorOf, signalsFor, stampFor } from "./event-stamps.js";
import type { InitiatedBy } from "./events.js";
import * as input from "./input.js";
import type { ClientHints, Session, SessionRecord, SessionType } from "./model.js";
import { abandonAtFor, expireAtFor } from "./deadlines.js";
import { activeSessionLimit } from "./session-limit.js";
import { resolvePolicy, sessionLifetimes } from "./policy.js";
import { formatToken, newId, newSecret, newSessionId } from "./session-token.js";
import { endAs, transition } from "./transitions.js";
import { toSession } from "./view.js";

// The replaced session may have ended meanwhile; the new session stands either way.
function ignoreTerminal(error: unknown): void {
  if (!isSessiondError(error, "session_terminal")) throw error;
}

/** What `create` takes (SPEC §5 create body, camelCase; durations in ms). */
export interface CreateSessionInput {
  userId: string;
  tenantId?: string;
  username?: string | null;
  clientId?: string;
  workspaceId?: string | null;
  sessionType?: SessionType | null;
  aud?: string | null;
  scopes?: string[];
  amr?: string[];
  actor?: Record<string, unknown> | null;
  activeOrganizationId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  clientHints?: ClientHints | null;
  metadata?: Record<string, unknown>;
  maxAgeMinutes?: number | null;
  lifetimeMs?: number;
  inactivityTimeoutMs?: number | null;
  slidingExpiration?: boolean;
  bindUserAgent?: boolean;
  /** Create as `pending` (a step such as MFA is still open); `activate` makes it active. */
  pending?: boolean;
  /** This session supersedes that one (e.g. after a privilege change): it becomes `replaced`. */
  replacesSessionId?: string;
  /** Who creates it, for its events (SPEC §9); default: the app (an API key without id). */
  initiatedBy?: InitiatedBy;
}

/** A session together with its token, which is shown this once and never stored. */
export interface SessionWithToken {
  session: Session;
  token: string;
}

export async function createSession(ctx: ServiceContext, req: CreateSessionInput): Promise<SessionWithToken> {
  const tenantId = input.tenantId(req.tenantId ?? "default");
  const userId = input.text("user_id", req.userId);
  const type = input.sessionType(req.sessionType);
  const actor = input.actor(req.actor);
  if ((type === "impersonation") !== (actor !== null))
    throw new SessiondError("actor_invalid", "an impersonation session needs an actor, and only an impersonation session may have one");
  const userAgent = input.userAgent(req.userAgent);
  const clientHints = input.clientHints(req.clientHints);
  const overrides = {
    lifetimeMs: input.durationMs("lifetime_seconds", req.lifetimeMs, false) ?? undefined,
    inactivityTimeoutMs: input.durationMs("inactivity_timeout_seconds", req.inactivityTimeoutMs, true),
    slidingExpiration: input.bool("sliding_expiration", req.slidingExpiration),
    bindUserAgent: input.bool("bind_user_agent", req.bindUserAgent),
    maxAgeMinutes: req.maxAgeMinutes,
  };
  const fields = {
    username: input.optionalText("username", req.username),
    clientId: req.clientId === undefined ? null : input.clientId(req.clientId),
    workspaceId: input.optionalText("workspace_id", req.workspaceId),
    aud: input.optionalText("aud", req.aud),
    scopes: input.stringList("scopes", req.scopes),
    amr: input.stringList("amr", req.amr),
    lastActiveOrganizationId: input.optionalText("active_organization_id", req.activeOrganizationId),
    ip: input.ip(req.ip),
    metadata: input.metadata(req.metadata),
  };
  const pending = input.bool("pending", req.pending) ?? false;
  const replacesId = req.replacesSessionId === undefined ? undefined : input.sessionId(req.replacesSessionId, "replaces_session_id");

  const policy = resolvePolicy(ctx.settings, await ctx.policies.get(tenantId));
  const lifetimes = sessionLifetimes(policy, overrides, type);
  if (lifetimes.bindUserAgent && userAgent === null)
    throw new SessiondError("request_invalid", "user_agent is required when the session is bound to its user agent", {
      details: { field: "user_agent" },
    });
  const replaced = replacesId === undefined ? null : await ctx.sessions.get(replacesId);
  if (replacesId !== undefined && (replaced === null || replaced.tenantId !== tenantId || replaced.isDeleted))
    throw new SessiondError("resource_not_found", "replaces_session_id names no session of this tenant");

  // The limit removes the user's least recently active sessions: their pending activity must be in the store.
  if (!pending) await ctx.activity?.settleUser(tenantId, userId);
  const now = ctx.clock.now();
  const id = newSessionId(tenantId, userId, now, ctx.random);
  const { secret, hash } = newSecret(ctx.random);
  const hasUse = fields.ip !== null || userAgent !== null;
  const latestActivity = hasUse ? buildActivity(ctx, id, { ip: fields.ip, userAgent, clientHints }, null, now) : null;
  const timing = {
    startedAt: now,
    lifetimeMs: lifetimes.lifetimeMs,
    maxLifetimeMs: lifetimes.maxLifetimeMs,
    maxAgeMinutes: lifetimes.maxAgeMinutes,
    slidingExpiration: lifetimes.slidingExpiration,
    inactivityTimeoutMs: lifetimes.inactivityTimeoutMs,
  };
  const record: SessionRecord = {
    id,
    tenantId,
    userId,
    ...fields,
    clientId: fields.clientId ?? newId("client", now, ctx.random),
    status: pending ? "pending" : "active",
    endReason: null,
    sessionType: type,
    actor,
    userAgent,
    location: latestActivity?.location ?? null,
    boundUserAgent: lifetimes.bindUserAgent ? userAgent : null,
    latestActivity,
    createdAt: now,
    updatedAt: now,
    lastActiveAt: now,
    lastRefreshedAt: null,
    // A pending session only has until the pending timeout; activation starts its real lifetime.
    expireAt: pending ? now + policy.pendingTimeoutMs : expireAtFor(timing, now),
    abandonAt: pending ? null : abandonAtFor(timing, now),
    revokedAt: null,
    endedAt: null,
    isDeleted: false,
    secretHash: hash,
    supersededSecrets: [],
    version: 1,
    ...timing,
  };
  // Replacement of the same user's session happens inside the insert, before the limit counts.
  const sameUser = replaced !== null && replaced.userId === userId;
  const by = initiatorOf(req);
  // Signals are for "new sign-in" mail: a pending session has not signed in yet.
  const signals = pending ? undefined : await signalsFor(ctx, record, latestActivity);
  await ctx.sessions.insert(
    record,
    { maxActivePerUser: pending ? null : activeSessionLimit(policy, ctx.settings), nowMs: now },
    sameUser ? replacesId : undefined,
    stampFor(ctx, by, signals),
  );
  if (replaced !== null && !sameUser) await transition(ctx, replaced.id, { tenantId, initiatedBy: by }, endAs("replaced", "replaced")).catch(ignoreTerminal);
  return { session: toSession(record, now), token: formatToken(id, secret) };
}
