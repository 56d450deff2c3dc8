/** The webhook endpoint routes of SPEC §9 on the memory store: wire shapes, tenant isolation, bad input, rotation, replay, log. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { LightMyRequestResponse } from "fastify";
import { loadConfig } from "../../src/config.js";
import { newEventStamp, SYSTEM } from "../../src/core/events.js";
import { createSessions } from "../../src/core/service.js";
import { newId, systemRandom } from "../../src/core/session-token.js";
import type { DeliveryAttempt } from "../../src/core/store/index.js";
import { openWebhookSecret, type SendTest } from "../../src/core/webhooks.js";
import { type App, buildApp } from "../../src/http/app.js";
import { makeRecord } from "../conformance/fixtures.js";
import { codeOf, type Harness, harness } from "./harness.js";

const KEK = "webhook-test-key-encryption-key-0123456789";
const HOUR = 3_600_000;
const ENDPOINT_FIELDS = ["audience", "created_at", "description", "disabled", "event_types", "format", "id", "object", "tenant_id", "url"];
const DELIVERY_FIELDS = ["at", "attempt", "duration_ms", "event_id", "next_attempt_at", "object", "response_status", "status"];

interface WireEndpoint {
  id: string;
  tenant_id: string | null;
  url: string;
  disabled: boolean;
  secret?: string;
  [field: string]: unknown;
}

/** The shared harness's store, keys and clock, served by an app whose service seals webhook secrets and tests with `sendTest`. */
async function webhookApp(h: Harness, options: { kek: string | null; sendTest?: SendTest }): Promise<App> {
  const webhooks = { keyEncryptionKey: options.kek, ...(options.sendTest ? { sendTest: options.sendTest } : {}) };
  const sessions = createSessions({ store: h.sessions.store, clock: h.clock, webhooks });
  return buildApp({ sessions, apiKeys: h.apiKeys, config: loadConfig({ env: {} }) });
}

function caller(app: App, h: Harness) {
  return (method: string, url: string, options: { key?: keyof Harness["keys"] | null; body?: unknown } = {}): Promise<LightMyRequestResponse> => {
    const key = options.key === undefined ? h.keys.root : options.key === null ? null : h.keys[options.key];
    const headers: Record<string, string> = key === null ? {} : { authorization: `Bearer ${key}` };
    if (options.body !== undefined) headers["content-type"] = "application/json";
    return app.inject({ method: method as "GET", url, headers, ...(options.body === undefined ? {} : { payload: JSON.stringify(options.body) }) });
  };
}

const fail = (response: LightMyRequestResponse) => [response.statusCode, codeOf(response)];

describe("webhook endpoint routes", () => {
  let h: Harness;
  let app: App;
  let call: ReturnType<typeof caller>;
  const tested: string[] = [];

  before(async () => {
    h = await harness();
    const sendTest: SendTest = async (endpoint) => {
      tested.push(endpoint.id);
      return attemptOf(endpoint.id, h.clock.now(), { status: "succeeded", responseStatus: 204, nextAttemptAt: null });
    };
    app = await webhookApp(h, { kek: KEK, sendTest });
    call = caller(app, h);
  });
  after(async () => {
    await app.close();
    await h.close();
  });

  const create = async (body: Record<string, unknown>, key: keyof Harness["keys"] = "root"): Promise<WireEndpoint> => {
    const response = await call("POST", "/v1/webhooks", { key, body });
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as WireEndpoint;
  };

  it("POST /v1/webhooks answers the §9 endpoint with its secret; GET and the list never show it", async () => {
    const created = await create({ url: "https://hooks.example/in", event_types: ["session.revoked"], description: "billing" }, "acme");
    assert.deepEqual(Object.keys(created).sort(), [...ENDPOINT_FIELDS, "secret"].sort());
    assert.match(created.id, /^whe_/);
    assert.match(created.secret!, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const { secret, ...shown } = created;
    assert.deepEqual(shown, {
      object: "webhook_endpoint",
      id: created.id,
      tenant_id: "acme",
      url: "https://hooks.example/in",
      event_types: ["session.revoked"],
      description: "billing",
      format: "standard_webhooks",
      audience: null,
      disabled: false,
      created_at: h.clock.now(),
    });
    const got = await call("GET", `/v1/webhooks/${created.id}`, { key: "acme" });
    assert.deepEqual(got.json(), shown);
    const listed = (await call("GET", "/v1/webhooks", { key: "acme" })).json() as { data: WireEndpoint[] };
    assert.deepEqual(
      listed.data.find((e) => e.id === created.id),
      shown,
    );
    assert.ok(listed.data.every((e) => !("secret" in e)));
    const record = (await h.sessions.store.webhooks.get(created.id))!;
    assert.notEqual(record.secrets[0]!.secret, secret, "stored sealed");
    assert.equal(openWebhookSecret(record.secrets[0]!.secret, KEK), secret);
  });

  it("the root key creates deployment-wide endpoints, or a tenant's with tenant_id, and lists them all", async () => {
    const everyone = await create({ url: "https://all.example/in" });
    assert.equal(everyone.tenant_id, null);
    const globex = await create({ url: "https://globex.example/in", tenant_id: "globex" });
    assert.equal(globex.tenant_id, "globex");
    const all = ((await call("GET", "/v1/webhooks")).json() as { data: WireEndpoint[] }).data.map((e) => e.id);
    assert.ok(all.includes(everyone.id) && all.includes(globex.id));
    const narrowed = ((await call("GET", "/v1/webhooks?tenant_id=globex")).json() as { data: WireEndpoint[] }).data;
    assert.ok(narrowed.length > 0 && narrowed.every((e) => e.tenant_id === "globex"));
  });

  it("a tenant key cannot read, change, delete, rotate, test, replay or read the log of another tenant's or a root endpoint", async () => {
    const globex = await create({ url: "https://globex.example/in" }, "globex");
    const root = await create({ url: "https://all.example/in" });
    const before = tested.length;
    for (const id of [globex.id, root.id]) {
      const attempts: Array<[string, string, unknown?]> = [
        ["GET", `/v1/webhooks/${id}`],
        ["PATCH", `/v1/webhooks/${id}`, { disabled: true }],
        ["DELETE", `/v1/webhooks/${id}`],
        ["POST", `/v1/webhooks/${id}/rotate_secret`],
        ["POST", `/v1/webhooks/${id}/test`],
        ["POST", `/v1/webhooks/${id}/replay`, { since: 0 }],
        ["GET", `/v1/webhooks/${id}/deliveries`],
      ];
      for (const [method, url, body] of attempts)
        assert.deepEqual(fail(await call(method, url, { key: "acme", body })), [404, "resource_not_found"], `${method} ${url}`);
    }
    assert.equal(tested.length, before, "no test event was sent");
    assert.equal((await call("GET", `/v1/webhooks/${globex.id}`)).json().disabled, false, "nothing changed");
    assert.equal((await call("GET", `/v1/webhooks/${root.id}`)).statusCode, 200, "nothing was deleted");
    const listed = ((await call("GET", "/v1/webhooks", { key: "acme" })).json() as { data: WireEndpoint[] }).data;
    assert.ok(listed.every((e) => e.tenant_id === "acme"));
    assert.deepEqual(fail(await call("GET", "/v1/webhooks?tenant_id=globex", { key: "acme" })), [403, "tenant_forbidden"]);
    assert.deepEqual(fail(await call("POST", "/v1/webhooks", { key: "acme", body: { url: "https://x.example/", tenant_id: "globex" } })), [
      403,
      "tenant_forbidden",
    ]);
    assert.deepEqual(fail(await call("GET", "/v1/webhooks", { key: null })), [401, "api_key_invalid"]);
  });

  it("refuses bad input with 400 request_invalid, never 500", async () => {
    const url = "https://hooks.example/in";
    const bodies: unknown[] = [
      { url: "ftp://hooks.example/in" },
      { url: "https://user:secret@hooks.example/in" },
      { url: `https://hooks.example/${"a".repeat(2100)}` },
      { url: `https://hooks.example/${"é".repeat(1020)}` },
      { url: "no url" },
      { url, event_types: ["session.created", "session.exploded"] },
      { url, format: "slack" },
      { url, format: "oidc_backchannel_logout" },
      { url, format: "oidc_backchannel_logout", audience: "app", event_types: ["session.created"] },
      { url, audience: "app" },
      { url, description: "x".repeat(1025) },
      { url, colour: "blue" },
      { url: 7 },
      {},
    ];
    for (const body of bodies)
      assert.deepEqual(fail(await call("POST", "/v1/webhooks", { body })), [400, "request_invalid"], JSON.stringify(body).slice(0, 80));
    const { id } = await create({ url });
    assert.deepEqual(fail(await call("GET", "/v1/webhooks/whe_nope")), [400, "request_invalid"]);
    assert.deepEqual(fail(await call("PATCH", `/v1/webhooks/${id}`, { body: { url: "ftp://x" } })), [400, "request_invalid"]);
    assert.deepEqual(fail(await call("PATCH", `/v1/webhooks/${id}`, { body: { format: "oidc_backchannel_logout" } })), [400, "request_invalid"]);
    assert.deepEqual(fail(await call("POST", `/v1/webhooks/${id}/replay`, { body: { since: "2026-01-01T00:00:00Z" } })), [400, "request_invalid"]);
    assert.deepEqual(fail(await call("POST", `/v1/webhooks/${id}/replay`, { body: {} })), [400, "request_invalid"]);
    assert.deepEqual(fail(await call("POST", `/v1/webhooks/${id}/replay`, { body: { since: h.clock.now() + HOUR } })), [400, "request_invalid"]);
    assert.deepEqual(fail(await call("GET", `/v1/webhooks/${id}/deliveries?cursor=junk`)), [400, "request_invalid"]);
    assert.deepEqual(fail(await call("GET", `/v1/webhooks/${id}/deliveries?limit=0`)), [400, "request_invalid"]);
    const logout = await create({ url, format: "oidc_backchannel_logout", audience: "app", event_types: ["session.revoked"] });
    assert.deepEqual([logout.format, logout.audience], ["oidc_backchannel_logout", "app"]);
  });

  it("PATCH changes the given fields and can disable; DELETE answers the endpoint, then it is gone", async () => {
    const { id } = await create({ url: "https://hooks.example/in", description: "d" }, "acme");
    const patched = await call("PATCH", `/v1/webhooks/${id}`, { key: "acme", body: { url: "http://hooks.example/v2", disabled: true, description: null } });
    assert.equal(patched.statusCode, 200, patched.body);
    assert.deepEqual(Object.keys(patched.json()).sort(), ENDPOINT_FIELDS);
    assert.deepEqual([patched.json().url, patched.json().disabled, patched.json().description], ["http://hooks.example/v2", true, null]);
    const deleted = await call("DELETE", `/v1/webhooks/${id}`, { key: "acme" });
    assert.equal(deleted.statusCode, 200);
    assert.equal(deleted.json().id, id);
    assert.deepEqual(fail(await call("GET", `/v1/webhooks/${id}`, { key: "acme" })), [404, "resource_not_found"]);
    assert.deepEqual(fail(await call("DELETE", `/v1/webhooks/${id}`, { key: "acme" })), [404, "resource_not_found"]);
  });

  it("rotate_secret answers a new secret once; the old one keeps signing for 24 h", async () => {
    const created = await create({ url: "https://hooks.example/in" }, "acme");
    const rotated = await call("POST", `/v1/webhooks/${created.id}/rotate_secret`, { key: "acme" });
    assert.equal(rotated.statusCode, 200, rotated.body);
    assert.deepEqual(Object.keys(rotated.json()).sort(), [...ENDPOINT_FIELDS, "secret"].sort());
    const secret = rotated.json().secret as string;
    assert.notEqual(secret, created.secret);
    assert.equal("secret" in (await call("GET", `/v1/webhooks/${created.id}`, { key: "acme" })).json(), false);
    const secrets = (await h.sessions.store.webhooks.get(created.id))!.secrets;
    assert.deepEqual(
      secrets.map((s) => [openWebhookSecret(s.secret, KEK), s.expiresAt]),
      [
        [secret, null],
        [created.secret, h.clock.now() + 24 * HOUR],
      ],
    );
  });

  it("replay moves the endpoint's cursor to the events since the given time", async () => {
    const store = h.sessions.store;
    const now = h.clock.now();
    for (const at of [now - 3 * HOUR, now - HOUR]) {
      const record = makeRecord({ tenantId: "acme", createdAt: at });
      await store.sessions.insert(record, { maxActivePerUser: null, nowMs: at }, undefined, newEventStamp(systemRandom, at, SYSTEM));
    }
    const { id } = await create({ url: "https://hooks.example/in" }, "acme");
    const replayed = await call("POST", `/v1/webhooks/${id}/replay`, { key: "acme", body: { since: now - 2 * HOUR } });
    assert.equal(replayed.statusCode, 200, replayed.body);
    assert.equal(replayed.json().id, id);
    const cursor = (await store.webhooks.get(id))!.dispatch.cursor;
    assert.equal(cursor, await store.outbox.positionAt(now - 2 * HOUR));
    const events = (await store.outbox.read({}, cursor, 100)).items;
    assert.deepEqual(
      events.map((e) => e.timestamp),
      [now - HOUR],
    );
  });

  it("test sends through the injected sender (a fake standing in for the dispatcher) and answers the webhook_delivery", async () => {
    const { id } = await create({ url: "https://hooks.example/in" }, "acme");
    const response = await call("POST", `/v1/webhooks/${id}/test`, { key: "acme" });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(Object.keys(response.json()).sort(), DELIVERY_FIELDS);
    assert.deepEqual([response.json().status, response.json().response_status], ["succeeded", 204]);
    assert.equal(tested.at(-1), id);
  });

  it("deliveries lists one entry per attempt, newest first, with next_cursor", async () => {
    const { id } = await create({ url: "https://hooks.example/in" }, "acme");
    const now = h.clock.now();
    await h.sessions.store.webhooks.logAttempts(
      [1, 2, 3].map((n) => ({ ...attemptOf(id, now + n), attempt: n })),
      0,
    );
    const first = await call("GET", `/v1/webhooks/${id}/deliveries?limit=2`, { key: "acme" });
    assert.equal(first.statusCode, 200, first.body);
    const page = first.json() as { data: Record<string, unknown>[]; next_cursor: string | null };
    assert.deepEqual(
      page.data.map((d) => d.attempt),
      [3, 2],
    );
    assert.deepEqual(Object.keys(page.data[0]!).sort(), DELIVERY_FIELDS);
    assert.deepEqual(page.data[0], {
      object: "webhook_delivery",
      event_id: page.data[0]!.event_id,
      attempt: 3,
      status: "failed",
      response_status: 503,
      duration_ms: 12,
      at: now + 3,
      next_attempt_at: now + 3 + 5000,
    });
    const rest = (await call("GET", `/v1/webhooks/${id}/deliveries?limit=2&cursor=${page.next_cursor}`, { key: "acme" })).json();
    assert.deepEqual(
      rest.data.map((d: { attempt: number }) => d.attempt),
      [1],
    );
    assert.equal(rest.next_cursor, null);
  });

  it("every route is in /openapi.json", async () => {
    const doc = (await call("GET", "/openapi.json", { key: null })).json() as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith("/v1/webhooks"))
      .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
      .sort();
    assert.deepEqual(routes, [
      "DELETE /v1/webhooks/{id}",
      "GET /v1/webhooks",
      "GET /v1/webhooks/{id}",
      "GET /v1/webhooks/{id}/deliveries",
      "PATCH /v1/webhooks/{id}",
      "POST /v1/webhooks",
      "POST /v1/webhooks/{id}/replay",
      "POST /v1/webhooks/{id}/rotate_secret",
      "POST /v1/webhooks/{id}/test",
    ]);
  });
});

describe("webhook endpoint routes without a key-encryption key", () => {
  it("refuse to create with 503 signing_key_unavailable naming the setting", async () => {
    const h = await harness();
    const app = await webhookApp(h, { kek: null });
    try {
      const response = await caller(app, h)("POST", "/v1/webhooks", { body: { url: "https://hooks.example/in" } });
      assert.deepEqual(fail(response), [503, "signing_key_unavailable"]);
      assert.match(response.json().errors[0].message, /SESSIOND_KEY_ENCRYPTION_KEY/);
    } finally {
      await app.close();
      await h.close();
    }
  });
});

function attemptOf(endpointId: string, at: number, overrides: Partial<DeliveryAttempt> = {}): DeliveryAttempt {
  return {
    id: newId("wha", at, systemRandom),
    endpointId,
    eventId: newId("evt", at, systemRandom),
    attempt: 1,
    status: "failed",
    responseStatus: 503,
    durationMs: 12,
    at,
    nextAttemptAt: at + 5000,
    error: null,
    ...overrides,
  };
}
