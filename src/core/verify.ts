/**
 * Verify: the hot path (SPEC §3 "Valid", "Activity"). A verify costs one store read, plus one
 * write only for a first use of a one-time session or a reused secret; due activity is queued
 * and written in batches off the response path (activity-writer.ts).
 * The secret matching and reuse rules here are shared with refresh (refresh.ts).
 */
import { activityChangeSet, buildActivity, movesNearDeadline } from "./activity.js";
import type { Scope, ServiceContext } from "./context.js";
import { definedOnly } from "./defined-only.js";
import { isSessiondError, SessiondError, type VerifyFailureCode } from "./errors.js";
import { signalsFor, stampFor, userOf } from "./event-stamps.js";
import { SYSTEM } from "./events.js";
import * as input from "./input.js";
import type { ClientHints, Session, SessionRecord } from "./model.js";
import { judge, type Verdict } from "./verdict.js";
import { toSession } from "./view.js";
import { digestsEqual, parseToken } from "./session-token.js";

/** What a caller presents with a token. */
export interface VerifyRequest extends Scope {
  ip?: string | null;
  userAgent?: string | null;
  clientHints?: ClientHints | null;
  /** When given, a session with another `aud` fails with `audience_mismatch`. */
  aud?: string;
  /** Accept a `pending` session (it is reported with status `pending`). */
  acceptPending?: boolean;
  /** When given, the token must belong to this session (Clerk's `/sessions/{id}/verify`). */
  sessionId?: string;
}

/** The answer of verify: the session, or why not. */
export type VerifyResult = { valid: true; session: Session } | { valid: false; code: VerifyFailureCode };

type SecretMatch = "current" | "superseded_in_grace" | "superseded_after_grace" | "none";

function matchSecret(record: SessionRecord, hash: Buffer, nowMs: number, graceMs: number): SecretMatch {
  if (digestsEqual(record.secretHash, hash)) return "current";
  for (const old of record.supersededSecrets) {
    if (digestsEqual(old.hash, hash)) return nowMs - old.supersededAt <= graceMs ? "superseded_in_grace" : "superseded_after_grace";
  }
  return "none";
}

interface Presented {
  record: SessionRecord;
  match: Exclude<SecretMatch, "none">;
  use: { ip: string | null; userAgent: string | null; clientHints: ClientHints | null };
  /** The record is a node-local copy: trusted to say "valid", never to say "no". */
  cached: boolean;
}

/**
 * Finds the token's session; every way a token can be wrong reads the same: `token_invalid`.
 * A cached copy is used only when it accepts the secret; anything else asks the store
 * (`fresh` always does).
 */
export async function present(ctx: ServiceContext, token: unknown, req: VerifyRequest, fresh = false): Promise<Presented | VerifyFailureCode> {
  const use = { ip: input.ip(req.ip), userAgent: input.userAgent(req.userAgent), clientHints: input.clientHints(req.clientHints) };
  const parsed = parseToken(token);
  if (parsed === null) return "token_invalid";
  if (req.sessionId !== undefined && req.sessionId !== parsed.sessionId) return "token_invalid";
  const now = ctx.clock.now();
  const cached = fresh || ctx.cache === null ? undefined : ctx.cache.lookup(parsed.sessionId, now);
  // This process's pending activity write is part of what it knows of the session (activity-writer.ts).
  const copy = cached === undefined || ctx.activity === null ? cached : ctx.activity.overlay(cached);
  if (copy !== undefined && !copy.isDeleted && (req.tenantId === undefined || copy.tenantId === req.tenantId)) {
    const match = matchSecret(copy, parsed.hash, now, ctx.settings.refreshGraceMs);
    if (match === "current" || match === "superseded_in_grace") return { record: copy, match, use, cached: true };
  }
  const generation = ctx.cache?.readGeneration ?? 0;
  const stored = await ctx.sessions.get(parsed.sessionId);
  if (stored === null || stored.isDeleted) return "token_invalid";
  ctx.cache?.remember(stored, generation, now);
  const record = ctx.activity === null ? stored : ctx.activity.overlay(stored);
  if (req.tenantId !== undefined && record.tenantId !== req.tenantId) return "token_invalid";
  const match = matchSecret(record, parsed.hash, ctx.clock.now(), ctx.settings.refreshGraceMs);
  if (match === "none") return "token_invalid";
  if (match === "superseded_after_grace") {
    await revokeForReuse(ctx, record);
    return "token_reused";
  }
  return { record, match, use, cached: false };
}

/** A secret seen after its grace was stolen or replayed: the whole session goes. */
async function revokeForReuse(ctx: ServiceContext, record: SessionRecord): Promise<void> {
  await ctx.activity?.settle(record.id); // activity recorded before the revocation lands first
  let current: SessionRecord | null = record;
  for (let attempt = 0; current !== null && attempt < 8; attempt++) {
    if (current.status !== "active" && current.status !== "pending") return;
    const now = ctx.clock.now();
    const change = { status: "revoked" as const, endReason: "token_reused", revokedAt: now, endedAt: now, updatedAt: now };
    try {
      await ctx.sessions.update(current.id, change, current.version, undefined, stampFor(ctx, SYSTEM));
      return;
    } catch (error) {
      if (!isSessiondError(error, "conflict")) throw error;
      current = await ctx.sessions.get(record.id);
    }
  }
}

/**
 * Records a due activity: queued for the next batch (activity-writer.ts), or written on the
 * response path when there is no writer or when it moves a deadline that could pass before a
 * batch lands. A null return means a direct write was refused: the session changed under us
 * and must be judged again.
 */
async function touch(ctx: ServiceContext, record: SessionRecord, use: Presented["use"]): Promise<SessionRecord | null> {
  const now = ctx.clock.now();
  const activity = buildActivity(ctx, record.id, use, record.latestActivity, now);
  const change = activityChangeSet(record, activity);
  const writer = ctx.activity;
  // Only a use from a new address, place, device or browser is an event (SPEC §9): rare, so its signals' read is affordable.
  const event = activity.changed.length === 0 ? undefined : stampFor(ctx, userOf(record), await signalsFor(ctx, record, activity, record.latestActivity));
  if (writer !== null && !movesNearDeadline(record, change, now, ctx.activitySyncWithinMs)) {
    const full = writer.add(record, change, event);
    if (full !== null) await full;
    return { ...record, ...change };
  }
  // After this session's queued writes, so its history keeps its order and time never moves back.
  if (writer !== null) await writer.settle(record.id);
  const written = await ctx.sessions.recordActivity(record.id, change, ctx.settings.activityHistoryLimit, event);
  return written ? { ...record, ...change } : null;
}

export async function verifySession(ctx: ServiceContext, token: unknown, req: VerifyRequest = {}): Promise<VerifyResult> {
  let fresh = false;
  for (let attempt = 0; attempt < 8; attempt++) {
    const presented = await present(ctx, token, req, fresh);
    if (typeof presented === "string") return { valid: false, code: presented };
    const { record, use } = presented;
    const now = ctx.clock.now();
    const verdict = judge(record, { ...use, ...pick(req) }, now, ctx.settings.activityResolutionMs);
    if (!verdict.valid) {
      if (!presented.cached) return verdict;
      fresh = true; // a copy may be stale: only the store may say no
      continue;
    }
    if (record.sessionType === "one_time_access") {
      const consumed = await consumeOnce(ctx, record, now);
      if (consumed === null) {
        fresh = true; // another verify changed it first: judge it as it is now
        continue;
      }
      return { valid: true, session: toSession(consumed, now) };
    }
    const generation = ctx.cache?.readGeneration ?? 0;
    const settled = await settle(ctx, record, verdict, use);
    if (settled !== null) {
      if (settled !== record) ctx.cache?.remember(settled, generation, now);
      return { valid: true, session: toSession(settled, now) };
    }
    // The activity write was refused: the session ended meanwhile, or another server recorded a newer use.
    const again = await present(ctx, token, req, true);
    if (typeof again === "string") return { valid: false, code: again };
    const second = judge(again.record, { ...use, ...pick(req) }, ctx.clock.now(), ctx.settings.activityResolutionMs);
    return second.valid ? { valid: true, session: toSession(again.record, ctx.clock.now()) } : second;
  }
  throw new SessiondError("conflict", "the session kept changing; try again");
}

export function pick(req: VerifyRequest): { aud?: string; acceptPending?: boolean } {
  return definedOnly({ aud: req.aud, acceptPending: req.acceptPending });
}

export async function settle(ctx: ServiceContext, record: SessionRecord, verdict: Verdict, use: Presented["use"]): Promise<SessionRecord | null> {
  if (!verdict.valid || !verdict.recordActivity) return record;
  return touch(ctx, record, use);
}

/** A one-time session is used up by its first successful verify; of racing verifies exactly one wins. */
export async function consumeOnce(ctx: ServiceContext, record: SessionRecord, now: number): Promise<SessionRecord | null> {
  try {
    const change = { status: "ended" as const, endReason: "one_time_used", endedAt: now, updatedAt: now, lastActiveAt: now };
    return await ctx.sessions.update(record.id, change, record.version, undefined, stampFor(ctx, userOf(record)));
  } catch (error) {
    if (isSessiondError(error, "conflict")) return null;
    throw error;
  }
}

export function failure(code: VerifyFailureCode): SessiondError {
  return new SessiondError(code, FAILURE_MESSAGES[code]);
}

const FAILURE_MESSAGES: Record<VerifyFailureCode, string> = {
  token_invalid: "the session token is not valid",
  session_expired: "the session has expired",
  session_abandoned: "the session was abandoned after inactivity",
  session_revoked: "the session was revoked",
  session_ended: "the session has ended",
  session_removed: "the session was removed",
  session_replaced: "the session was replaced by a newer one",
  session_pending: "the session is pending a further sign-in step",
  user_agent_mismatch: "the session is bound to another user agent",
  audience_mismatch: "the session is for another audience",
  token_reused: "a superseded token was reused; the session has been revoked",
};
