/** Webhook endpoints in the core: tenant scope, bad input, updates racing the dispatcher, delete, the log, the test send. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { attemptOf, fakeSender, HOUR, rejects, setup, stored } from "../../test/support/webhook-endpoints.js";
import { T0 } from "../../test/conformance/fixtures.js";

describe("webhook endpoints: scope, input and the log", () => {
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
