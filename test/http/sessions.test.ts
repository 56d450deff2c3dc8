/** The wire contract of SPEC §2/§5: fields, paging, policies, client IPs, errors and documentation. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ERROR_CODES } from "../../src/core/errors.js";
import { codeOf, harness, type Harness } from "./harness.js";

const SESSION_FIELDS = [
  "object",
  "id",
  "tenant_id",
  "workspace_id",
  "user_id",
  "username",
  "client_id",
  "status",
  "end_reason",
  "session_type",
  "aud",
  "scopes",
  "amr",
  "actor",
  "last_active_organization_id",
  "ip",
  "user_agent",
  "location",
  "bound_user_agent",
  "sliding_expiration",
  "max_age_minutes",
  "latest_activity",
  "metadata",
  "created_at",
  "updated_at",
  "last_active_at",
  "last_refreshed_at",
  "expire_at",
  "abandon_at",
  "revoked_at",
  "ended_at",
  "is_deleted",
];

describe("sessions over HTTP", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  it("creates with exactly the SPEC fields plus a one-time token, and never a hash", async () => {
    const response = await h.call("POST", "/v1/sessions", {
      body: { user_id: "ann", ip: "203.0.113.5", user_agent: "UA/1", scopes: ["a"], metadata: { k: 1 } },
    });
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), [...SESSION_FIELDS, "token"].sort());
    assert.equal(body.latest_activity.object, "session_activity");
    assert.equal(body.latest_activity.ip_address, "203.0.113.5");
    const read = await h.call("GET", `/v1/sessions/${body.id}`);
    assert.deepEqual(Object.keys(read.json()).sort(), [...SESSION_FIELDS].sort());
    assert.ok(!read.body.includes(body.token.split(".")[1]));
  });

  it("accepts empty JSON bodies where no body is needed", async () => {
    const { session } = await h.sessions.create({ userId: "ann", pending: true });
    for (const verb of ["activate", "end"]) {
      const response = await h.call("POST", `/v1/sessions/${session.id}/${verb}`, { raw: "" });
      assert.equal(response.statusCode, 200, response.body);
    }
    assert.equal((await h.call("POST", "/v1/users/ann/sessions/revoke", { raw: "" })).statusCode, 200);
  });

  it("verifies, records activity and answers 401 with the failure code", async () => {
    const { session, token } = await h.sessions.create({ userId: "ann" });
    const ok = await h.call("POST", "/v1/sessions/verify", { body: { token, ip: "198.51.100.9", user_agent: "UA/2" } });
    assert.equal(ok.json().latest_activity.ip_address, "198.51.100.9");
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/sess_0000000000000000000000000000zz/verify", { body: { token } })), "token_invalid");
    await h.call("POST", `/v1/sessions/${session.id}/revoke`, { body: { reason: "stolen" } });
    const revoked = await h.call("POST", "/v1/sessions/verify", { body: { token } });
    assert.equal(revoked.statusCode, 401);
    assert.equal(codeOf(revoked), "session_revoked");
    assert.equal((await h.call("GET", `/v1/sessions/${session.id}`)).json().end_reason, "stolen");
  });

  it("refreshes to a new token; the old one cannot refresh again", async () => {
    const { token } = await h.sessions.create({ userId: "ann" });
    const response = await h.call("POST", "/v1/sessions/refresh", { body: { token } });
    assert.equal(response.statusCode, 200);
    assert.notEqual(response.json().token, token);
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/refresh", { body: { token } })), "refresh_conflict");
  });

  it("pages lists by cursor and offset with total_count", async () => {
    for (let i = 0; i < 7; i++) await h.sessions.create({ userId: "pager", tenantId: "paging" });
    const first = (await h.call("GET", "/v1/sessions?tenant_id=paging&limit=3&paginated=true")).json();
    assert.equal(first.total_count, 7);
    assert.equal(first.data.length, 3);
    const second = (await h.call("GET", `/v1/sessions?tenant_id=paging&limit=3&cursor=${first.next_cursor}`)).json();
    const third = (await h.call("GET", "/v1/sessions?tenant_id=paging&limit=3&offset=6")).json();
    assert.equal(new Set([...first.data, ...second.data, ...third.data].map((s: { id: string }) => s.id)).size, 7);
    assert.equal(third.next_cursor, null);
  });

  it("applies a tenant policy PUT to the next session's expire_at", async () => {
    const before = (await h.call("POST", "/v1/sessions", { body: { user_id: "p", tenant_id: "policied" } })).json();
    const put = await h.call("PUT", "/v1/tenants/policied/policy", { body: { lifetime_seconds: 600, inactivity_timeout_seconds: null } });
    assert.equal(put.statusCode, 200);
    assert.equal(put.json().lifetime_seconds, 600);
    assert.deepEqual(put.json().overrides, { lifetime_seconds: 600, inactivity_timeout_seconds: null });
    const after = (await h.call("POST", "/v1/sessions", { body: { user_id: "p", tenant_id: "policied" } })).json();
    assert.equal(after.expire_at - after.created_at, 600_000);
    assert.notEqual(before.expire_at - before.created_at, 600_000);
    assert.equal(
      codeOf(await h.call("POST", "/v1/sessions", { body: { user_id: "p", tenant_id: "policied", lifetime_seconds: 99_999_999 } })),
      "policy_out_of_bounds",
    );
  });

  it("lists who is online and revokes or removes all of a user's sessions", async () => {
    await h.sessions.create({ userId: "online", tenantId: "people", username: "On Line" });
    const users = (await h.call("GET", "/v1/users?tenant_id=people")).json();
    assert.deepEqual(
      users.data.map((u: { object: string; user_id: string }) => [u.object, u.user_id]),
      [["user_sessions", "online"]],
    );
    assert.deepEqual((await h.call("POST", "/v1/users/online/sessions/revoke", { body: { tenant_id: "people" } })).json(), { revoked_count: 1 });
    await h.sessions.create({ userId: "online", tenantId: "people" });
    assert.deepEqual((await h.call("DELETE", "/v1/users/online/sessions?tenant_id=people")).json(), { removed_count: 1 });
  });

  it("ends all sessions of a user whose id is long", async () => {
    const userId = "u".repeat(256);
    await h.sessions.create({ userId, tenantId: "long" });
    const response = await h.call("POST", `/v1/users/${userId}/sessions/revoke`, { body: { tenant_id: "long" } });
    assert.deepEqual(response.json(), { revoked_count: 1 });
  });

  it("refuses tenant policies that widen the deployment cap or contradict themselves", async () => {
    for (const body of [{ max_lifetime_seconds: 99_999_999 }, { lifetime_seconds: 100, max_lifetime_seconds: 50 }, { inactivity_timeout_seconds: 99_999_999 }])
      assert.equal(codeOf(await h.call("PUT", "/v1/tenants/bounded/policy", { body })), "policy_out_of_bounds", JSON.stringify(body));
  });

  it("lets the only stored root key be revoked beside the configured one, which is never listed", async () => {
    // The harness configures a root key (SESSIOND_ROOT_KEY), which counts as a root key for the
    // last-root-key guard; src/core/api-keys.test.ts covers the guard without one.
    const own = await harness();
    const root = await own.apiKeys.create(null, "generated before SESSIOND_ROOT_KEY was set");
    const listed = (await own.call("GET", "/v1/keys")).json().data as { id: string; tenant_id: string | null }[];
    assert.deepEqual(
      listed.filter((k) => k.tenant_id === null).map((k) => k.id),
      [root.id],
      "only the stored root key, with tenant_id null",
    );
    const revoked = await own.call("DELETE", `/v1/keys/${root.id}`);
    assert.equal(revoked.statusCode, 200);
    assert.deepEqual(Object.keys(revoked.json()).sort(), ["created_at", "id", "name", "object", "revoked_at", "tenant_id"]);
    assert.equal(codeOf(await own.call("GET", "/v1/keys", { key: root.key })), "api_key_invalid");
    await own.close();
  });

  it("creates, lists and revokes API keys, showing the key once", async () => {
    const created = (await h.call("POST", "/v1/keys", { body: { tenant_id: "acme", name: "deploy" } })).json();
    assert.match(created.key, /^sdk_/);
    const listed = (await h.call("GET", "/v1/keys?tenant_id=acme")).body;
    assert.ok(listed.includes(created.id) && !listed.includes(created.key));
    assert.notEqual((await h.call("DELETE", `/v1/keys/${created.id}`)).json().revoked_at, null);
  });
});

describe("client address", () => {
  it("uses the body first, X-Forwarded-For only with SESSIOND_TRUST_PROXY, else the socket", async () => {
    const plain = await harness();
    const proxied = await harness({}, { SESSIOND_TRUST_PROXY: "1" });
    const headers = { "x-forwarded-for": "203.0.113.50, 198.51.100.1" };
    const ipOf = async (x: Harness, body: object) => (await x.call("POST", "/v1/sessions", { body: { user_id: "u", ...body }, headers })).json().ip;
    assert.equal(await ipOf(plain, {}), "127.0.0.1");
    assert.equal(await ipOf(proxied, {}), "198.51.100.1");
    assert.equal(await ipOf(proxied, { ip: "192.0.2.7" }), "192.0.2.7");
    assert.equal((await proxied.call("POST", "/v1/sessions", { body: { user_id: "u" }, headers: { "x-forwarded-for": "not-an-ip" } })).json().ip, "127.0.0.1");
    const twoHops = await harness({}, { SESSIOND_TRUST_PROXY: "2" });
    assert.equal(await ipOf(twoHops, {}), "203.0.113.50");
    await Promise.all([plain.close(), proxied.close(), twoHops.close()]);
  });
});

describe("documentation and observability", () => {
  it("documents every route and every error code in /openapi.json, and every code in the error table of docs/rest-api.md", async () => {
    const h = await harness();
    const doc = (await h.call("GET", "/openapi.json", { key: null })).json();
    assert.equal(doc.openapi, "3.1.0");
    for (const path of [
      "/v1/sessions",
      "/v1/sessions/verify",
      "/v1/sessions/{id}/verify",
      "/v1/sessions/refresh",
      "/v1/sessions/{id}",
      "/v1/sessions/{id}/activate",
      "/v1/sessions/{id}/end",
      "/v1/sessions/{id}/revoke",
      "/v1/sessions/{id}/activities",
      "/v1/users",
      "/v1/users/{user_id}/sessions/revoke",
      "/v1/users/{user_id}/sessions",
      "/v1/keys",
      "/v1/keys/{id}",
      "/v1/tenants/{tenant_id}/policy",
      "/v1/stats",
      "/healthz",
      "/readyz",
      "/metrics",
      "/v1/sessions/{id}/tokens",
      "/v1/sessions/{id}/tokens/{template}",
      "/v1/sessions/{id}/refresh",
      "/v1/jwt_templates",
      "/v1/jwt_templates/{name}",
      "/v1/jwks",
      "/.well-known/jwks.json",
    ])
      assert.ok(doc.paths[path], path);
    const text = JSON.stringify(doc);
    const errorTable = readFileSync(new URL("../../docs/rest-api.md", import.meta.url), "utf8");
    for (const code of ERROR_CODES) {
      assert.ok(text.includes(`"${code}"`), `openapi lacks ${code}`);
      assert.ok(errorTable.includes(`| \`${code}\` |`), `docs/rest-api.md lacks ${code}`);
    }
    await h.close();
  });

  it("exposes Prometheus metrics, counting verifications by result", async () => {
    const h = await harness();
    await h.call("POST", "/v1/sessions/verify", { body: { token: "nope" } });
    const metrics = (await h.call("GET", "/metrics", { key: null })).body;
    assert.match(metrics, /sessiond_verifications_total\{result="token_invalid"\} 1/);
    assert.match(metrics, /sessiond_http_request_duration_seconds_bucket/);
    await h.close();
  });

  it("can require the root key for /metrics", async () => {
    const h = await harness({}, { SESSIOND_METRICS_REQUIRE_KEY: "true" });
    assert.equal(codeOf(await h.call("GET", "/metrics", { key: null })), "api_key_invalid");
    assert.equal(codeOf(await h.call("GET", "/metrics", { key: h.keys.acme })), "root_key_required");
    assert.equal((await h.call("GET", "/metrics")).statusCode, 200);
    await h.close();
  });
});
