/** `createSessions`: the library's entry point, one method per verb of SPEC §8. */
import { systemClock } from "./clock.js";
import { plainEnricher, type ServiceContext, type Scope } from "./context.js";
import { type CreateSessionInput, type SessionWithToken, createSession } from "./create.js";
import { SessiondError } from "./errors.js";
import * as input from "./input.js";
import type { ActivityEntry, Session } from "./model.js";
import { DEFAULT_SETTINGS } from "./defaults.js";
import { EventFeed } from "./events-feed.js";
import type { SessionsOptions } from "./service-options.js";
import { type ActivityWriterStats, activityWriting } from "./activity-writer.js";
import { checkPolicyBounds, type Policy, resolvePolicy, type Settings, type TenantPolicy, validateTenantPolicy } from "./policy.js";
import type { SessionStats, Store, SweepResult, UserSessions } from "./store/index.js";
import { asStore } from "./store/flat-methods.js";
import { systemRandom } from "./session-token.js";
import * as jwtTemplates from "./jwt-templates.js";
import type { Templates } from "./jwt-templates.js";
import * as jwts from "./session-jwt.js";
import * as transitions from "./transitions.js";
import { VerifyCache } from "./verify-cache.js";
import { type VerifyRequest, type VerifyResult, verifySession } from "./verify.js";
import { type ListRequest, listSessions } from "./list.js";
import { type Paged, pageRequest } from "./paging.js";
import { refreshSession } from "./refresh.js";
import { type SweepOptions, sweepInBatches } from "./sweeper.js";
import { toActivityEntry, toSession } from "./view.js";
import { WebhookEndpoints } from "./webhooks.js";

export type { Templates } from "./jwt-templates.js";
export type { ListRequest } from "./list.js";
export type { Paged } from "./paging.js";

export type { SessionsOptions } from "./service-options.js";

/** A tenant's policy as stored and as it applies. */
export interface PolicyView {
  tenantId: string;
  overrides: TenantPolicy;
  effective: Policy;
}

const ACTIVITY_ID_PATTERN = /^sact_[0-9a-hjkmnp-tv-z]{26}$/;

/** The session service: every verb of SPEC §8 over one store. */
export class Sessions {
  private readonly ctx: ServiceContext;
  private readonly wholeStore: Store;
  private readonly jwt: jwts.JwtSettings | null;
  /** Resolves once the verify cache (if any) listens to the store's changes. */
  readonly cacheReady: Promise<void>;
  /** JWT templates: named claim sets per tenant for {@link Sessions.mintJwt}. */
  readonly templates: Templates;
  /** The event feed (SPEC §9): `events.list({ after, types, userId, limit })`. */
  readonly events: EventFeed;
  /** Webhook endpoints (SPEC §9): create, list, rotate secrets, replay, the delivery log. */
  readonly webhooks: WebhookEndpoints;

  constructor(options: SessionsOptions) {
    const store = asStore(options.store);
    const settings = Object.freeze({ ...DEFAULT_SETTINGS, ...options.policy });
    this.wholeStore = store;
    this.ctx = {
      sessions: store.sessions,
      policies: store.policies,
      templates: store.templates,
      settings,
      clock: options.clock ?? systemClock,
      random: options.random ?? systemRandom,
      enricher: options.enricher ?? plainEnricher,
      cache: options.verifyCache === undefined || options.verifyCache === false ? null : new VerifyCache(options.verifyCache),
      ...activityWriting(store.sessions, settings.activityHistoryLimit, options.activityWrites),
      // A store written before events (no outbox role) keeps working, without events.
      events: options.events !== false && store.outbox !== undefined,
    };
    this.events = new EventFeed(store.outbox ?? null, this.ctx.clock, settings.eventRetentionMs);
    // Until the feed is listening the cache serves nothing, so verify is strict meanwhile.
    this.cacheReady = this.ctx.cache === null ? Promise.resolve() : this.ctx.cache.start(store.changes);
    this.jwt = options.jwt ?? null;
    this.templates = jwtTemplates.templatesOf(this.ctx);
    this.webhooks = new WebhookEndpoints({ store, clock: this.ctx.clock, random: this.ctx.random, ...options.webhooks });
  }

  /** The settings in force (defaults merged with the options). */
  get settings(): Readonly<Settings> {
    return this.ctx.settings;
  }

  /** The store this service runs on. */
  get store(): Store {
    return this.wholeStore;
  }

  /** Readiness: resolves once the store answers. @throws SessiondError `store_unavailable` */
  async ping(): Promise<void> {
    try {
      await this.wholeStore.ping();
    } catch (error) {
      throw new SessiondError("store_unavailable", "the store does not answer", { cause: error });
    }
  }

  /**
   * Creates a session and returns it with its token (shown this once).
   * @throws SessiondError `request_invalid`, `policy_out_of_bounds`, `metadata_too_large`, `actor_invalid`, `resource_not_found` (replaces_session_id)
   */
  async create(req: CreateSessionInput): Promise<SessionWithToken> {
    return createSession(this.ctx, req);
  }

  /**
   * Checks a session token and records activity when due. "No" is an answer, not an error:
   * `{ valid: false, code }` with a SPEC §4 code. Throws only for bad request fields or store failures.
   */
  async verify(token: string, req?: VerifyRequest): Promise<VerifyResult> {
    return verifySession(this.ctx, token, req);
  }

  /**
   * Rotates the token's secret and returns the session with a new token.
   * @throws SessiondError a verify failure code, `refresh_conflict`, `refresh_not_allowed`
   */
  async refresh(token: string, req?: VerifyRequest): Promise<SessionWithToken> {
    return refreshSession(this.ctx, token, req);
  }

  /**
   * A short-lived signed JWT for a valid session (SPEC §6), optionally shaped by a template.
   * @throws SessiondError a verify failure code, `resource_not_found`, `signing_key_unavailable`
   */
  async mintJwt(id: string, req?: jwts.MintRequest): Promise<jwts.SessionJwt> {
    return jwts.mintJwt(this.ctx, this.jwt, id, req);
  }

  /** Clerk's refresh: the session token (a use, with reuse rules) buys a fresh JWT. */
  async refreshJwt(id: string, req: jwts.JwtRefreshRequest): Promise<jwts.SessionJwt> {
    return jwts.refreshJwt(this.ctx, this.jwt, id, req);
  }

  /** One session, deleted and terminal ones included. @throws SessiondError `resource_not_found` */
  async get(id: string, scope: Scope = {}): Promise<Session> {
    return toSession(await transitions.loadScoped(this.ctx, id, scope), this.ctx.clock.now());
  }

  /** Non-deleted sessions, newest first, filtered, with offset or cursor paging. */
  async list(req: ListRequest = {}): Promise<Paged<Session> & { totalCount: number }> {
    return listSessions(this.ctx, req);
  }

  /** Changes app-owned fields of a live session. @throws SessiondError `resource_not_found`, `session_terminal` */
  async update(id: string, patch: transitions.SessionUpdate, scope: Scope = {}): Promise<Session> {
    return transitions.transition(this.ctx, id, scope, transitions.applyUpdate(transitions.checkUpdate(patch)));
  }

  /** `pending` → `active`, appending `amr`; the user's session limit applies now. */
  async activate(id: string, options: { amr?: string[] } & Scope = {}): Promise<Session> {
    const amr = input.stringList("amr", options.amr);
    return transitions.transition(this.ctx, id, options, transitions.activate(this.ctx, amr));
  }

  /** The user signed out → `ended`. */
  async end(id: string, scope: Scope = {}): Promise<Session> {
    return transitions.transition(this.ctx, id, scope, transitions.endAs("ended", "signed_out"));
  }

  /**
   * The app or an admin ended it → `revoked`; `reason` becomes `endReason` (default `revoked`).
   * @throws SessiondError `request_invalid` when `reason` is one of {@link input.SYSTEM_END_REASONS}
   */
  async revoke(id: string, options: { reason?: string } & Scope = {}): Promise<Session> {
    const reason = options.reason === undefined ? "revoked" : input.revokeReason(options.reason);
    return transitions.transition(this.ctx, id, options, transitions.endAs("revoked", reason));
  }

  /** Soft delete: tokens stop working, lists ignore it, `get` still shows it. */
  async delete(id: string, scope: Scope = {}): Promise<Session> {
    return transitions.transition(this.ctx, id, scope, transitions.softDelete);
  }

  /** Revokes every live session of a user, except `exceptSessionId`; `reason` as in {@link Sessions.revoke}. */
  async revokeUser(userId: string, options: { exceptSessionId?: string; reason?: string } & Scope = {}): Promise<{ revokedCount: number }> {
    const tenantId = input.tenantId(options.tenantId ?? "default");
    const reason = options.reason === undefined ? "revoked" : input.revokeReason(options.reason);
    const except = options.exceptSessionId === undefined ? undefined : input.sessionId(options.exceptSessionId, "except_session_id");
    const ending = { status: "revoked" as const, endReason: reason };
    const revokedCount = await transitions.endUserSessions(this.ctx, tenantId, input.text("user_id", userId), ending, options, except);
    return { revokedCount };
  }

  /** The user was removed: every live session → `removed` (`user_removed`). */
  async removeUser(userId: string, scope: Scope = {}): Promise<{ removedCount: number }> {
    const tenantId = input.tenantId(scope.tenantId ?? "default");
    const removedCount = await transitions.endUserSessions(
      this.ctx,
      tenantId,
      input.text("user_id", userId),
      { status: "removed", endReason: "user_removed" },
      scope,
    );
    return { removedCount };
  }

  /** A session's activity history, newest first. */
  async activities(id: string, options: { limit?: number; cursor?: string } & Scope = {}): Promise<Paged<ActivityEntry>> {
    const paging = pageRequest(options, ACTIVITY_ID_PATTERN);
    await transitions.loadScoped(this.ctx, id, options);
    await this.ctx.activity?.settle(id);
    const page = await this.ctx.sessions.activities(id, paging);
    return { data: page.items.map(toActivityEntry), nextCursor: input.encodeCursor(page.nextKey) };
  }

  /** Who is online: users with active sessions, most recently active first. */
  async users(options: { limit?: number; cursor?: string } & Scope = {}): Promise<Paged<UserSessions>> {
    const tenantId = input.tenantId(options.tenantId ?? "default");
    await this.ctx.activity?.flush();
    const page = await this.ctx.sessions.users(tenantId, this.ctx.clock.now(), pageRequest(options));
    return { data: page.items, nextCursor: input.encodeCursor(page.nextKey) };
  }

  /** Counts by status, and active sessions by place and device; all tenants when none is named. */
  async stats(scope: Scope = {}): Promise<SessionStats> {
    const tenantId = scope.tenantId === undefined ? undefined : input.tenantId(scope.tenantId);
    await this.ctx.activity?.flush();
    return this.ctx.sessions.stats(tenantId, this.ctx.clock.now());
  }

  /**
   * Writes passed deadlines (with their events) and purges sessions ended longer than the
   * retention ago, in batches until nothing is left (or `maxBatches` ran). `batchBudgetMs` paces
   * a sweep that shares its process with verify traffic (see core/sweeper.ts); without it, every
   * batch is `sweepBatchSize` with only a yield in between, the fastest way through a backlog.
   */
  async sweep(options: SweepOptions = {}): Promise<SweepResult> {
    return sweepInBatches(this.ctx, options);
  }

  /** A tenant's stored policy overrides and the policy they add up to. */
  async getPolicy(tenantId: string): Promise<PolicyView> {
    const id = input.tenantId(tenantId);
    const overrides = (await this.ctx.policies.get(id)) ?? {};
    return { tenantId: id, overrides, effective: resolvePolicy(this.ctx.settings, overrides) };
  }

  /** Replaces a tenant's policy overrides; omitted fields fall back to the deployment default. */
  async putPolicy(tenantId: string, policy: TenantPolicy): Promise<PolicyView> {
    const id = input.tenantId(tenantId);
    const overrides = validateTenantPolicy(policy);
    checkPolicyBounds(this.ctx.settings, overrides);
    await this.ctx.policies.put(id, overrides);
    return this.getPolicy(id);
  }

  /** Writes the queued activity (a few ms' worth: see {@link activityWrites}). */
  async flushActivity(): Promise<void> {
    await this.ctx.activity?.flush();
  }

  /** Counts of the activity writer (queue depth, batches, writes, dropped), for metrics; null when writes are direct. */
  get activityWrites(): ActivityWriterStats | null {
    return this.ctx.activity?.stats ?? null;
  }

  /** Writes the queued activity, stops the verify cache and closes the store. */
  async close(): Promise<void> {
    await this.ctx.activity?.close();
    await this.cacheReady.catch(() => undefined);
    await this.ctx.cache?.stop();
    await this.wholeStore.close();
  }
}

/**
 * Creates the session service.
 * @example
 * const sessions = createSessions({ store: sqliteStore({ path: "./data/sessiond.db" }) });
 * const { token } = await sessions.create({ userId: "user_1" });
 * const result = await sessions.verify(token);
 */
export function createSessions(options: SessionsOptions): Sessions {
  return new Sessions(options);
}
