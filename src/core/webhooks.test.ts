import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { makeRecord, T0 } from "../../test/conformance/fixtures.js";
import { memoryStore } from "../stores/memory/index.js";
import { ManualClock } from "./clock.js";
import { isSessiondError } from "./errors.js";
import { newEventStamp, SYSTEM } from "./events.js";
import { newId, systemRandom } from "./session-token.js";
import type { DeliveryAttempt, Store, WebhookEndpointRecord } from "./store/index.js";
import { openWebhookSecret, SECRET_OVERLAP_MS, type SendTest, WebhookEndpoints } from "./webhooks.js";

const KEK = "unit-test-key-encryption-key-0123456789";
const HOUR = 3_600_000;

function setup(options: { kek?: string | null; sendTest?: SendTest } = {}) {
  const store = memoryStore();
  const clock = new ManualClock(T0);
  const kek = options.kek === undefined ? KEK : options.kek;
  const webhooks = new WebhookEndpoints({
    store,
    clock,
    random: systemRandom,
    keyEncryptionKey: kek,
    ...(options.sendTest ? { sendTest: options.sendTest } : {}),
  });
  return { store, clock, webhooks };
}

/** A session insert with its event, at `atMs`, as the session role writes it. */
async function sessionEventAt(store: Store, atMs: number, tenantId = "acme"): Promise<string> {
  const record = makeRecord({ tenantId, createdAt: atMs });
  await store.sessions.insert(record, { maxActivePerUser: null, nowMs: atMs }, undefined, newEventStamp(systemRandom, atMs, SYSTEM));
  return record.id;
}

async function sessionIdsFrom(store: Store, position: string | null): Promise<string[]> {
  return (await store.outbox.read({}, position, 100)).items.map((e) => e.sessionId);
}

async function rejects(promise: Promise<unknown>, code: string, field?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isSessiondError(error), `expected a SessiondError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (field !== undefined) assert.equal(error.details?.field, field, error.message);
    return true;
  });
}

const stored = async (store: Store, id: string): Promise<WebhookEndpointRecord> => (await store.webhooks.get(id))!;

describe("webhook endpoints", () => {
  it("create shows a Standard Webhooks secret once, seals it at rest, and get and list never show it", async () => {
    const { store, webhooks } = setup();
    const created = await webhooks.create({ url: "https://hooks.example/in", description: "billing" }, { tenantId: "acme" });
    assert.match(created.id, /^whe_[0-9a-z]{26}$/);
    assert.match(created.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    assert.equal(Buffer.from(created.secret.slice(6), "base64").length, 32);
    const { secret, ...shown } = created;
    assert.deepEqual(shown, {
      object: "webhook_endpoint",
      id: created.id,
      tenantId: "acme",
      url: "https://hooks.example/in",
      eventTypes: [],
      description: "billing",
      format: "standard_webhooks",
      audience: null,
      disabled: false,
      createdAt: T0,
    });
    assert.deepEqual(await webhooks.get(created.id), shown);
    assert.deepEqual(await webhooks.list({ tenantId: "acme" }), [shown]);
    const record = await stored(store, created.id);
    assert.equal(record.secrets.length, 1);
    assert.notEqual(record.secrets[0]!.secret, secret);
    assert.equal(JSON.stringify(record).includes(secret.slice(6)), false, "the clear secret is nowhere in the stored endpoint");
    assert.equal(openWebhookSecret(record.secrets[0]!.secret, KEK), secret);
  });

  it("a sealed secret opens only with the key that sealed it", async () => {
    const { store, webhooks } = setup();
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    const sealed = (await stored(store, id)).secrets[0]!.secret;
    assert.throws(
      () => openWebhookSecret(sealed, "another-key-encryption-key-0123456789"),
      (e: unknown) => isSessiondError(e, "signing_key_unavailable"),
    );
    assert.throws(
      () => openWebhookSecret(sealed, null),
      (e: unknown) => isSessiondError(e, "signing_key_unavailable"),
    );
    assert.throws(
      () => openWebhookSecret("v1.garbage", KEK),
      (e: unknown) => isSessiondError(e, "signing_key_unavailable"),
    );
  });

  it("without a key-encryption key, creating and rotating are refused like JWT minting, naming the setting; bad input is still a 400", async () => {
    const { store, webhooks } = setup({ kek: null });
    await assert.rejects(webhooks.create({ url: "https://hooks.example/in" }), (e: unknown) => {
      assert.ok(isSessiondError(e, "signing_key_unavailable"));
      assert.match(e.message, /SESSIOND_KEY_ENCRYPTION_KEY/);
      return true;
    });
    assert.deepEqual(await store.webhooks.list(undefined), []);
    await rejects(webhooks.create({ url: "ftp://hooks.example/in" }), "request_invalid", "url");
    const withKey = new WebhookEndpoints({ store, clock: new ManualClock(T0), random: systemRandom, keyEncryptionKey: KEK });
    const { id } = await withKey.create({ url: "https://hooks.example/in" });
    await rejects(webhooks.rotateSecret(id), "signing_key_unavailable");
  });

  it("a new endpoint starts after the events already committed", async () => {
    const { store, webhooks } = setup();
    await sessionEventAt(store, T0 - 2 * HOUR);
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    const later = await sessionEventAt(store, T0 + 1);
    assert.deepEqual(await sessionIdsFrom(store, (await stored(store, id)).dispatch.cursor), [later]);
  });

  it("replay moves the endpoint's cursor back to the events since that time", async () => {
    const { store, clock, webhooks } = setup();
    await sessionEventAt(store, T0 - 3 * HOUR);
    const recent = [await sessionEventAt(store, T0 - HOUR), await sessionEventAt(store, T0 - HOUR / 2)];
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    assert.deepEqual(await sessionIdsFrom(store, (await stored(store, id)).dispatch.cursor), []);
    const replayed = await webhooks.replay(id, T0 - 2 * HOUR);
    assert.equal(replayed.id, id);
    const record = await stored(store, id);
    assert.equal(record.dispatch.cursor, await store.outbox.positionAt(T0 - 2 * HOUR));
    assert.deepEqual(await sessionIdsFrom(store, record.dispatch.cursor), recent);
    await rejects(webhooks.replay(id, clock.now() + 1), "request_invalid", "since");
    await rejects(webhooks.replay(id, -1), "request_invalid", "since");
    await rejects(webhooks.replay(id, "yesterday" as unknown as number), "request_invalid", "since");
  });

  it("rotation puts the new secret first; the old one signs for 24 h and is dropped on the first write after", async () => {
    const { store, clock, webhooks } = setup();
    const created = await webhooks.create({ url: "https://hooks.example/in" });
    clock.advance(HOUR);
    const rotated = await webhooks.rotateSecret(created.id);
    assert.notEqual(rotated.secret, created.secret);
    assert.match(rotated.secret, /^whsec_/);
    let secrets = (await stored(store, created.id)).secrets;
    assert.deepEqual(
      secrets.map((s) => [openWebhookSecret(s.secret, KEK), s.expiresAt]),
      [
        [rotated.secret, null],
        [created.secret, T0 + HOUR + SECRET_OVERLAP_MS],
      ],
    );
    assert.equal(SECRET_OVERLAP_MS, 24 * HOUR);
    clock.advance(SECRET_OVERLAP_MS - 1);
    await webhooks.update(created.id, { description: "still overlapping" });
    assert.equal((await stored(store, created.id)).secrets.length, 2, "one ms before the end, the old secret still signs");
    clock.advance(1);
    await webhooks.update(created.id, { description: "after the overlap" });
    secrets = (await stored(store, created.id)).secrets;
    assert.deepEqual(
      secrets.map((s) => openWebhookSecret(s.secret, KEK)),
      [rotated.secret],
    );
    assert.equal("secret" in (await webhooks.get(created.id)), false);
  });

  it("a second rotation within the overlap keeps the first overlap's end", async () => {
    const { store, clock, webhooks } = setup();
    const first = await webhooks.create({ url: "https://hooks.example/in" });
    const second = await webhooks.rotateSecret(first.id);
    clock.advance(HOUR);
    const third = await webhooks.rotateSecret(first.id);
    const secrets = (await stored(store, first.id)).secrets;
    assert.deepEqual(
      secrets.map((s) => [openWebhookSecret(s.secret, KEK), s.expiresAt]),
      [
        [third.secret, null],
        [second.secret, T0 + HOUR + SECRET_OVERLAP_MS],
        [first.secret, T0 + SECRET_OVERLAP_MS],
      ],
    );
  });

  it("a tenant scope cannot see, change, delete, rotate, replay, test or read the log of another tenant's or a root endpoint", async () => {
    const sent: string[] = [];
    const { webhooks } = setup({ sendTest: fakeSender(sent) });
    const acme = await webhooks.create({ url: "https://acme.example/in" }, { tenantId: "acme" });
    const globex = await webhooks.create({ url: "https://globex.example/in" }, { tenantId: "globex" });
    const root = await webhooks.create({ url: "https://root.example/in" });
    assert.equal(root.tenantId, null);
    const asAcme = { tenantId: "acme" };
    for (const other of [globex.id, root.id]) {
      await rejects(webhooks.get(other, asAcme), "resource_not_found");
      await rejects(webhooks.update(other, { disabled: true }, asAcme), "resource_not_found");
      await rejects(webhooks.delete(other, asAcme), "resource_not_found");
      await rejects(webhooks.rotateSecret(other, asAcme), "resource_not_found");
      await rejects(webhooks.replay(other, T0, asAcme), "resource_not_found");
      await rejects(webhooks.deliveries(other, {}, asAcme), "resource_not_found");
      await rejects(webhooks.test(other, asAcme), "resource_not_found");
    }
    assert.deepEqual(sent, []);
    assert.equal((await webhooks.get(globex.id)).disabled, false, "nothing changed");
    assert.deepEqual(
      (await webhooks.list(asAcme)).map((e) => e.id),
      [acme.id],
    );
    assert.deepEqual((await webhooks.list()).map((e) => e.id).sort(), [acme.id, globex.id, root.id].sort(), "the root scope sees all");
    await rejects(webhooks.create({ url: "https://x.example/", tenantId: "globex" }, asAcme), "tenant_forbidden");
    const named = await webhooks.create({ url: "https://x.example/", tenantId: "globex" });
    assert.equal(named.tenantId, "globex", "the root scope creates for a named tenant");
  });

  it("refuses bad input with request_invalid naming the field", async () => {
    const { store, webhooks } = setup();
    const url = "https://hooks.example/in";
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ url: "ftp://hooks.example/in" }, "url"],
      [{ url: "javascript:alert(1)" }, "url"],
      [{ url: "https://user:pass@hooks.example/in" }, "url"],
      [{ url: "https://user@hooks.example/in" }, "url"],
      [{ url: `https://hooks.example/${"a".repeat(2030)}` }, "url"],
      [{ url: `https://hooks.example/${"é".repeat(1020)}` }, "url"],
      [{ url: "not a url" }, "url"],
      [{ url: "https://hooks.example/in\n" }, "url"],
      [{ url: "" }, "url"],
      [{ url: 42 }, "url"],
      [{}, "url"],
      [{ url, eventTypes: ["session.created", "session.exploded"] }, "event_types"],
      [{ url, eventTypes: "session.created" }, "event_types"],
      [{ url, format: "slack" }, "format"],
      [{ url, format: "oidc_backchannel_logout" }, "audience"],
      [{ url, format: "oidc_backchannel_logout", audience: "app", eventTypes: ["session.created"] }, "event_types"],
      [{ url, audience: "app" }, "audience"],
      [{ url, description: "x".repeat(1025) }, "description"],
      [{ url, description: "bell\u0007" }, "description"],
      [{ url, tenantId: "Not A Tenant" }, "tenant_id"],
    ];
    for (const [req, field] of cases) await rejects(webhooks.create(req as never), "request_invalid", field);
    assert.deepEqual(await store.webhooks.list(undefined), [], "nothing was stored");
    const fits = await webhooks.create({ url: `https://hooks.example/${"a".repeat(2048 - 22)}`, description: "d".repeat(1024) });
    assert.equal(Buffer.byteLength(fits.url), 2048);
    const logout = await webhooks.create({ url, format: "oidc_backchannel_logout", audience: "app", eventTypes: ["session.revoked", "session.ended"] });
    assert.equal(logout.audience, "app");
    await rejects(webhooks.get("whe_nope"), "request_invalid", "id");
    await rejects(webhooks.update(logout.id, { audience: null }), "request_invalid", "audience");
    await rejects(webhooks.update(logout.id, { eventTypes: ["session.updated"] }), "request_invalid", "event_types");
    await rejects(webhooks.update(fits.id, { url: "ftp://x" }), "request_invalid", "url");
    await rejects(webhooks.update(fits.id, { disabled: "yes" as never }), "request_invalid", "disabled");
  });

  it("update changes only what it is given; disabling is manual, re-enabling clears the failure run", async () => {
    const { store, clock, webhooks } = setup();
    const created = await webhooks.create({ url: "https://hooks.example/in", eventTypes: ["session.created"], description: "d" });
    clock.advance(1000);
    const changed = await webhooks.update(created.id, { url: "http://hooks.example/v2", eventTypes: ["session.revoked", "session.revoked"] });
    assert.deepEqual([changed.url, changed.eventTypes, changed.description], ["http://hooks.example/v2", ["session.revoked"], "d"]);
    assert.equal((await webhooks.update(created.id, { description: null })).description, null);
    const disabled = await webhooks.update(created.id, { disabled: true });
    assert.equal(disabled.disabled, true);
    let record = await stored(store, created.id);
    assert.equal(record.disabledReason, "manual");
    assert.equal(record.updatedAt, T0 + 1000);
    // As the dispatcher leaves an endpoint it disabled after 5 days of failures.
    const failing = {
      ...record,
      disabledReason: "failing",
      dispatch: { ...record.dispatch, failingSince: T0 - 5 * 24 * HOUR, failedAttempts: 40, pausedUntil: T0 + HOUR },
    };
    assert.ok(await store.webhooks.replace(failing, record.version));
    assert.equal((await webhooks.update(created.id, { disabled: false })).disabled, false);
    record = await stored(store, created.id);
    assert.deepEqual([record.disabledReason, record.dispatch.failingSince, record.dispatch.failedAttempts, record.dispatch.pausedUntil], [null, null, 0, 0]);
    assert.equal(record.dispatch.cursor, failing.dispatch.cursor, "where it was in the stream stays");
  });

  it("a change made while the dispatcher writes the endpoint retries and keeps the dispatcher's write", async () => {
    const { store, webhooks } = setup();
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    const replace = store.webhooks.replace.bind(store.webhooks);
    let raced = false;
    // The dispatcher's lease lands between this change's read and its write.
    store.webhooks.replace = async (endpoint, expectVersion) => {
      if (!raced) {
        raced = true;
        const current = (await store.webhooks.get(id))!;
        assert.ok(await replace({ ...current, dispatch: { ...current.dispatch, leaseHolder: "server-2", leaseUntil: T0 + 30_000 } }, current.version));
      }
      return replace(endpoint, expectVersion);
    };
    await webhooks.update(id, { description: "after the race" });
    const record = await stored(store, id);
    assert.ok(raced);
    assert.equal(record.description, "after the race");
    assert.equal(record.dispatch.leaseHolder, "server-2");
  });

  it("delete removes the endpoint with its log; then it is not found", async () => {
    const { store, webhooks } = setup();
    const { id } = await webhooks.create({ url: "https://hooks.example/in" }, { tenantId: "acme" });
    await store.webhooks.logAttempts([attemptOf(id, 1, T0)], 0);
    assert.equal((await webhooks.delete(id, { tenantId: "acme" })).id, id);
    await rejects(webhooks.get(id), "resource_not_found");
    await rejects(webhooks.delete(id), "resource_not_found");
    assert.equal((await store.webhooks.attempts(id, { limit: 10 })).items.length, 0);
  });

  it("deliveries pages the attempt log newest first with a cursor", async () => {
    const { store, webhooks } = setup();
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    const attempts = [1, 2, 3, 4, 5].map((n) => attemptOf(id, n, T0 + n * 1000));
    await store.webhooks.logAttempts(attempts, 0);
    const first = await webhooks.deliveries(id, { limit: 2 });
    assert.deepEqual(
      first.data.map((d) => d.attempt),
      [5, 4],
    );
    assert.deepEqual(first.data[0], {
      object: "webhook_delivery",
      eventId: attempts[4]!.eventId,
      attempt: 5,
      status: "failed",
      responseStatus: 503,
      durationMs: 12,
      at: T0 + 5000,
      nextAttemptAt: T0 + 10_000,
    });
    const second = await webhooks.deliveries(id, { limit: 2, cursor: first.nextCursor! });
    const third = await webhooks.deliveries(id, { limit: 2, cursor: second.nextCursor! });
    assert.deepEqual(
      [...second.data, ...third.data].map((d) => d.attempt),
      [3, 2, 1],
    );
    assert.equal(third.nextCursor, null);
    await rejects(webhooks.deliveries(id, { cursor: "bogus!" }), "request_invalid", "cursor");
    await rejects(webhooks.deliveries(id, { limit: 0 }), "request_invalid", "limit");
  });

  it("test hands the endpoint to the injected sender (a fake standing in for the dispatcher) and reports its attempt", async () => {
    const sent: string[] = [];
    const { webhooks } = setup({ sendTest: fakeSender(sent) });
    const { id } = await webhooks.create({ url: "https://hooks.example/in" });
    await webhooks.update(id, { disabled: true });
    const delivery = await webhooks.test(id);
    assert.deepEqual(sent, [id], "a disabled endpoint can still be tested");
    assert.equal(delivery.object, "webhook_delivery");
    assert.equal(delivery.status, "succeeded");
    assert.equal(delivery.responseStatus, 204);
    const { webhooks: withoutDispatcher } = setup();
    const other = await withoutDispatcher.create({ url: "https://hooks.example/in" });
    await rejects(withoutDispatcher.test(other.id), "internal");
  });
});

function attemptOf(endpointId: string, attempt: number, at: number): DeliveryAttempt {
  return {
    id: newId("wha", at, systemRandom),
    endpointId,
    eventId: newId("evt", at, systemRandom),
    attempt,
    status: "failed",
    responseStatus: 503,
    durationMs: 12,
    at,
    nextAttemptAt: at + 5000,
    error: null,
  };
}

function fakeSender(sent: string[]): SendTest {
  return async (endpoint) => {
    sent.push(endpoint.id);
    return { ...attemptOf(endpoint.id, 1, T0), eventId: newId("evt", T0, systemRandom), status: "succeeded", responseStatus: 204, nextAttemptAt: null };
  };
}
