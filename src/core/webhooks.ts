/**
 * Webhook endpoints (SPEC §9): create, list, get, update, delete, rotate the secret, replay,
 * the delivery log and a test event. Delivery itself is the dispatcher's (src/webhooks/); the
 * two meet in the store's webhook role: this service writes what an endpoint is, the
 * dispatcher writes where it is (`dispatch`), each with a conditional `replace`.
 */
import type { Clock } from "./clock.js";
import type { Scope } from "./context.js";
import { definedOnly } from "./defined-only.js";
import { SessiondError } from "./errors.js";
import * as input from "./input.js";
import { type Paged, pageRequest } from "./paging.js";
import { type RandomSource, newId } from "./session-token.js";
import type { DeliveryAttempt, OutboxStore, WebhookEndpointRecord, WebhookStore } from "./store/index.js";
import * as check from "./webhook-input.js";
import { toWebhookDelivery, toWebhookEndpoint, type WebhookDelivery, type WebhookEndpoint, type WebhookEndpointWithSecret } from "./webhook-view.js";
import { keyEncryptionKeyMissing, liveSecrets, newWebhookSecret, rotatedSecrets, sealWebhookSecret } from "./webhook-secrets.js";

export { openWebhookSecret, SECRET_OVERLAP_MS } from "./webhook-secrets.js";
export { toWebhookDelivery, toWebhookEndpoint, type WebhookDelivery, type WebhookEndpoint, type WebhookEndpointWithSecret } from "./webhook-view.js";
export { LOGOUT_ENDPOINT_EVENT_TYPES, WEBHOOK_ENDPOINT_ID_PATTERN, WEBHOOK_FORMATS, type WebhookFormat } from "./webhook-input.js";

export interface WebhookEndpointInput {
  url: string;
  eventTypes?: string[];
  description?: string | null;
  format?: check.WebhookFormat;
  audience?: string | null;
  /** With the root scope: the tenant whose events it gets; absent or null, every tenant's. */
  tenantId?: string | null;
}

export interface WebhookEndpointPatch {
  url?: string;
  eventTypes?: string[];
  description?: string | null;
  /** true stops deliveries (kept for later); false resumes them where they stopped. */
  disabled?: boolean;
  audience?: string | null;
}

/** Sends a `webhook.test` event to one endpoint now and reports the attempt (the dispatcher provides it). */
export type SendTest = (endpoint: WebhookEndpointRecord) => Promise<DeliveryAttempt>;

/** What `createSessions({ webhooks })` takes. */
export interface WebhookOptions {
  /**
   * Seals the endpoints' signing secrets at rest (SESSIOND_KEY_ENCRYPTION_KEY). Without one,
   * endpoints cannot be created: on a shared store every server must be able to open them.
   */
  keyEncryptionKey?: string | null;
  /** The dispatcher's test sender; without it `test` fails with `internal`. */
  sendTest?: SendTest;
}

export interface WebhookDeps extends WebhookOptions {
  /** A store written before events may lack both roles: endpoints then fail clearly, not with a TypeError. */
  store: { webhooks?: WebhookStore; outbox?: OutboxStore };
  clock: Clock;
  random: RandomSource;
}

const ATTEMPT_KEY = /^wha_[0-9A-Za-z_-]{1,64}$/;
/** The dispatcher rewrites an endpoint's `dispatch` often (leases): a change retries a lost race this often. */
const MAX_WRITE_TRIES = 20;

/** The webhook endpoints of a deployment. A tenant scope sees only its tenant's; the root scope sees all. */
export class WebhookEndpoints {
  private readonly roles: WebhookDeps["store"];
  private readonly clock: Clock;
  private readonly random: RandomSource;
  private readonly kek: string | null;
  private readonly sendTest: SendTest | null;

  constructor(deps: WebhookDeps) {
    this.roles = deps.store;
    this.clock = deps.clock;
    this.random = deps.random;
    this.kek = deps.keyEncryptionKey ?? null;
    this.sendTest = deps.sendTest ?? null;
  }

  /**
   * Creates an endpoint; it gets the events committed from now on. The secret is shown this once.
   * @throws SessiondError `request_invalid`, `tenant_forbidden`, `signing_key_unavailable` (no key-encryption key)
   */
  async create(req: WebhookEndpointInput, scope: Scope = {}): Promise<WebhookEndpointWithSecret> {
    if (typeof req !== "object" || req === null) throw new SessiondError("request_invalid", "a webhook endpoint needs at least a url");
    const tenantId = this.tenantOfNew(req.tenantId, scope);
    const now = this.clock.now();
    const fields = {
      url: check.webhookUrl(req.url),
      eventTypes: req.eventTypes === undefined ? [] : check.eventTypes(req.eventTypes),
      description: req.description === undefined ? null : check.description(req.description),
      format: req.format === undefined ? ("standard_webhooks" as const) : check.format(req.format),
      audience: check.audience(req.audience),
    };
    check.checkCoherent(fields);
    // After the checks: bad input is a 400 whatever the deployment's keys.
    const kek = this.requireKek();
    const secret = newWebhookSecret(this.random);
    const record: WebhookEndpointRecord = {
      id: newId("whe", now, this.random),
      tenantId,
      ...fields,
      disabled: false,
      disabledReason: null,
      createdAt: now,
      updatedAt: now,
      secrets: [{ secret: sealWebhookSecret(secret, kek), expiresAt: null }],
      // Only events after creation: an endpoint is not a way to download the history (replay is).
      dispatch: { cursor: await this.store.outbox.positionAt(null), leaseHolder: null, leaseUntil: 0, failingSince: null, pausedUntil: 0, failedAttempts: 0 },
      version: 1,
    };
    await this.store.webhooks.insert(record);
    return { ...toWebhookEndpoint(record), secret };
  }

  /** The scope's endpoints by id: one tenant's, or with the root scope every endpoint. */
  async list(scope: Scope = {}): Promise<WebhookEndpoint[]> {
    const tenantId = scope.tenantId === undefined ? undefined : input.tenantId(scope.tenantId);
    return (await this.store.webhooks.list(tenantId)).map(toWebhookEndpoint);
  }

  /** @throws SessiondError `resource_not_found` (another tenant's too), `request_invalid` */
  async get(id: string, scope: Scope = {}): Promise<WebhookEndpoint> {
    return toWebhookEndpoint(await this.load(id, scope));
  }

  /** Changes the given fields. @throws SessiondError `resource_not_found`, `request_invalid`, `conflict` */
  async update(id: string, patch: WebhookEndpointPatch, scope: Scope = {}): Promise<WebhookEndpoint> {
    if (typeof patch !== "object" || patch === null) throw new SessiondError("request_invalid", "a change must be an object");
    const fields = definedOnly({
      url: patch.url === undefined ? undefined : check.webhookUrl(patch.url),
      eventTypes: patch.eventTypes === undefined ? undefined : check.eventTypes(patch.eventTypes),
      description: patch.description === undefined ? undefined : check.description(patch.description),
      audience: patch.audience === undefined ? undefined : check.audience(patch.audience),
    });
    const disabled = patch.disabled === undefined ? undefined : check.disabled(patch.disabled);
    const updated = await this.change(id, scope, (current, now) => {
      const next = { ...current, ...fields, updatedAt: now };
      check.checkCoherent(next);
      if (disabled === true && !current.disabled) return { ...next, disabled: true, disabledReason: "manual" };
      if (disabled === false && current.disabled) {
        // Re-enabled after 5 days of failures: a fresh start, or the next failure would disable it again.
        const dispatch = { ...current.dispatch, failingSince: null, failedAttempts: 0, pausedUntil: 0 };
        return { ...next, disabled: false, disabledReason: null, dispatch };
      }
      return next;
    });
    return toWebhookEndpoint(updated);
  }

  /** Deletes the endpoint with its queue and log; returns it as it was. @throws SessiondError `resource_not_found` */
  async delete(id: string, scope: Scope = {}): Promise<WebhookEndpoint> {
    const current = await this.load(id, scope);
    if (!(await this.store.webhooks.delete(current.id))) throw notFound();
    return toWebhookEndpoint(current);
  }

  /**
   * A new signing secret, shown this once. The current one goes on signing beside it for
   * {@link SECRET_OVERLAP_MS} (deliveries carry both signatures), so receivers can switch.
   * @throws SessiondError `resource_not_found`, `signing_key_unavailable`
   */
  async rotateSecret(id: string, scope: Scope = {}): Promise<WebhookEndpointWithSecret> {
    const kek = this.requireKek();
    const secret = newWebhookSecret(this.random);
    const sealed = sealWebhookSecret(secret, kek);
    const updated = await this.change(id, scope, (current, now) => ({ ...current, secrets: rotatedSecrets(current.secrets, sealed, now), updatedAt: now }));
    return { ...toWebhookEndpoint(updated), secret };
  }

  /**
   * Delivers again every retained event since `sinceMs` (and perhaps a few before: a replay may
   * repeat, never skip): the endpoint's position in the event stream moves back to that time.
   * @throws SessiondError `resource_not_found`, `request_invalid` (a time in the future)
   */
  async replay(id: string, sinceMs: number, scope: Scope = {}): Promise<WebhookEndpoint> {
    const since = input.instant("since", sinceMs);
    if (since === undefined) throw new SessiondError("request_invalid", "since is required (ms since the epoch)", { details: { field: "since" } });
    if (since > this.clock.now()) throw new SessiondError("request_invalid", "since must not be in the future", { details: { field: "since" } });
    await this.load(id, scope);
    const cursor = await this.store.outbox.positionAt(since);
    return toWebhookEndpoint(await this.change(id, scope, (current, now) => ({ ...current, dispatch: { ...current.dispatch, cursor }, updatedAt: now })));
  }

  /** The endpoint's delivery log, one entry per attempt, newest first. */
  async deliveries(id: string, page: { limit?: number; cursor?: string } = {}, scope: Scope = {}): Promise<Paged<WebhookDelivery>> {
    const paging = pageRequest({ ...definedOnly({ limit: page.limit, cursor: page.cursor }) }, ATTEMPT_KEY);
    const endpoint = await this.load(id, scope);
    const result = await this.store.webhooks.attempts(endpoint.id, paging);
    return { data: result.items.map(toWebhookDelivery), nextCursor: input.encodeCursor(result.nextKey) };
  }

  /**
   * Sends a `webhook.test` event to the endpoint now (disabled or not) and reports the attempt.
   * @throws SessiondError `resource_not_found`; `internal` when no dispatcher was given
   */
  async test(id: string, scope: Scope = {}): Promise<WebhookDelivery> {
    const endpoint = await this.load(id, scope);
    if (this.sendTest === null) throw new SessiondError("internal", "webhook tests need the dispatcher: createSessions({ webhooks: { sendTest } })");
    return toWebhookDelivery(await this.sendTest(endpoint));
  }

  private get store(): { webhooks: WebhookStore; outbox: OutboxStore } {
    const { webhooks, outbox } = this.roles;
    if (webhooks === undefined || outbox === undefined)
      throw new SessiondError("request_invalid", "this store keeps no webhook endpoints (it has no webhooks and outbox roles)");
    return { webhooks, outbox };
  }

  private requireKek(): string {
    if (this.kek === null) throw keyEncryptionKeyMissing();
    return this.kek;
  }

  /** A tenant scope creates for its own tenant; the root scope for the named tenant, or for all. */
  private tenantOfNew(requested: string | null | undefined, scope: Scope): string | null {
    const named = requested === undefined || requested === null ? null : input.tenantId(requested);
    if (scope.tenantId === undefined) return named;
    if (named !== null && named !== scope.tenantId) throw new SessiondError("tenant_forbidden", "this key belongs to another tenant");
    return input.tenantId(scope.tenantId);
  }

  private async load(id: string, scope: Scope): Promise<WebhookEndpointRecord> {
    const found = await this.store.webhooks.get(check.endpointId(id));
    // Another tenant's endpoint does not exist for this scope (SPEC §5).
    if (found === null || (scope.tenantId !== undefined && found.tenantId !== scope.tenantId)) throw notFound();
    return found;
  }

  /** Applies `edit` to the stored endpoint with a conditional replace, again on a lost race; expired secrets go. */
  private async change(
    id: string,
    scope: Scope,
    edit: (current: WebhookEndpointRecord, nowMs: number) => WebhookEndpointRecord,
  ): Promise<WebhookEndpointRecord> {
    for (let i = 0; i < MAX_WRITE_TRIES; i++) {
      const current = await this.load(id, scope);
      const now = this.clock.now();
      const next = edit(current, now);
      const written = { ...next, secrets: liveSecrets(next.secrets, now) };
      if (await this.store.webhooks.replace(written, current.version)) return { ...written, version: current.version + 1 };
    }
    throw new SessiondError("conflict", "the webhook endpoint kept changing under this change; try again");
  }
}

function notFound(): SessiondError {
  return new SessiondError("resource_not_found", "no such webhook endpoint");
}
