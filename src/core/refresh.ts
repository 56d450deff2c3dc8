/**
 * Refresh (SPEC §3 "Refresh and reuse"): rotates the token's secret; the old one is
 * remembered so that a late copy within the grace gets `refresh_conflict` and one after it
 * revokes the session as `token_reused`.
 */
import type { ServiceContext } from "./context.js";
import { isSessiondError, SessiondError } from "./errors.js";
import { stampFor, userOf } from "./event-stamps.js";
import { type SessionRecord, SUPERSEDED_SECRETS_KEPT } from "./model.js";
import { judge } from "./verdict.js";
import type { SessionWithToken } from "./create.js";
import { toSession } from "./view.js";
import { failure, pick, present, settle, type VerifyRequest } from "./verify.js";
import { formatToken, newSecret } from "./session-token.js";

/** Rotates the token's secret; the old one is remembered for the reuse rules of SPEC §3. */
export async function refreshSession(ctx: ServiceContext, token: unknown, req: VerifyRequest = {}): Promise<SessionWithToken> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const presented = await present(ctx, token, req, true);
    if (typeof presented === "string") throw failure(presented);
    const { record, match, use } = presented;
    if (match === "superseded_in_grace") throw new SessiondError("refresh_conflict", "this token was already refreshed; retry with the current token");
    const now = ctx.clock.now();
    const verdict = judge(record, { ...use, ...pick(req) }, now, ctx.settings.activityResolutionMs);
    if (!verdict.valid) throw failure(verdict.code);
    if (record.sessionType === "temporary" || record.sessionType === "one_time_access")
      throw new SessiondError("refresh_not_allowed", `${record.sessionType} sessions cannot be refreshed`);
    const { secret, hash } = newSecret(ctx.random);
    const superseded = [{ hash: record.secretHash, supersededAt: now }, ...record.supersededSecrets].slice(0, SUPERSEDED_SECRETS_KEPT);
    let rotated: SessionRecord;
    try {
      const change = { secretHash: hash, supersededSecrets: superseded, lastRefreshedAt: now, updatedAt: now };
      rotated = await ctx.sessions.update(record.id, change, record.version, undefined, stampFor(ctx, userOf(record)));
    } catch (error) {
      if (isSessiondError(error, "conflict")) continue; // someone changed it first: look again
      throw error;
    }
    // The rotation is read back from the store: this process's pending activity goes on top (activity-writer.ts).
    const current = ctx.activity === null ? rotated : ctx.activity.overlay(rotated);
    const settled = (await settle(ctx, current, verdict, use)) ?? current;
    return { session: toSession(settled, now), token: formatToken(record.id, secret) };
  }
  throw new SessiondError("conflict", "the session kept changing; try again");
}
