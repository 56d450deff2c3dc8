/** Every route with the root key, the owning tenant's key, another tenant's key and no key. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { codeOf, harness, type Harness } from "./harness.js";

type Who = "root" | "own" | "other" | "none";
type Expect = number | [number, string];
interface Row {
  name: string;
  /** Builds the request, creating what it needs in tenant `acme`. */
  request: (h: Harness) => Promise<{ method: string; url: string; body?: unknown }>;
  expect: Record<Who, Expect>;
}

const session = async (h: Harness, extra: Record<string, unknown> = {}) => h.sessions.create({ userId: "ann", tenantId: "acme", ...extra });
const byId = (name: string, method: string, suffix: string, body?: unknown, extra?: Record<string, unknown>): Row => ({
  name,
  request: async (h) => ({ method, url: `/v1/sessions/${(await session(h, extra)).session.id}${suffix}`, ...(body === undefined ? {} : { body }) }),
  expect: { root: 200, own: 200, other: [404, "resource_not_found"], none: [401, "api_key_invalid"] },
});
const tenantNamed = (name: string, method: string, url: string, body?: unknown): Row => ({
  name,
  request: async () => ({ method, url, ...(body === undefined ? {} : { body }) }),
  expect: { root: 200, own: 200, other: [403, "tenant_forbidden"], none: [401, "api_key_invalid"] },
});
const rootOnly = (name: string, request: Row["request"]): Row => ({
  name,
  request,
  expect: { root: 200, own: [403, "root_key_required"], other: [403, "root_key_required"], none: [401, "api_key_invalid"] },
});
const withToken = (name: string, path: (id: string) => string): Row => ({
  name,
  request: async (h) => {
    const { session: s, token } = await session(h);
    return { method: "POST", url: path(s.id), body: { token } };
  },
  expect: { root: 200, own: 200, other: [401, "token_invalid"], none: [401, "api_key_invalid"] },
});

let templateCount = 0;
/** A template of tenant `acme`, made fresh for each request. */
const template = async (h: Harness) => (await h.sessions.templates.put("acme", `t${++templateCount}`, { claims: { role: "user" } })).name;
const withTemplate = (name: string, method: string, url: (template: string) => string, body?: unknown): Row => ({
  ...tenantNamed(name, method, "", body),
  request: async (h) => ({ method, url: url(await template(h)), ...(body === undefined ? {} : { body }) }),
});

const rows: Row[] = [
  tenantNamed("create", "POST", "/v1/sessions", { user_id: "ann", tenant_id: "acme" }),
  withToken("verify", () => "/v1/sessions/verify"),
  withToken("verify by id", (id) => `/v1/sessions/${id}/verify`),
  withToken("refresh", () => "/v1/sessions/refresh"),
  tenantNamed("list", "GET", "/v1/sessions?tenant_id=acme&paginated=true"),
  byId("get", "GET", ""),
  byId("update", "PATCH", "", { metadata: { a: 1 } }),
  byId("activate", "POST", "/activate", { amr: ["totp"] }, { pending: true }),
  byId("end", "POST", "/end"),
  byId("revoke", "POST", "/revoke", { reason: "admin" }),
  byId("delete", "DELETE", ""),
  byId("activities", "GET", "/activities"),
  tenantNamed("users", "GET", "/v1/users?tenant_id=acme"),
  tenantNamed("revoke user", "POST", "/v1/users/ann/sessions/revoke", { tenant_id: "acme" }),
  tenantNamed("remove user", "DELETE", "/v1/users/ann/sessions?tenant_id=acme"),
  tenantNamed("get policy", "GET", "/v1/tenants/acme/policy"),
  tenantNamed("stats", "GET", "/v1/stats?tenant_id=acme"),
  byId("mint JWT", "POST", "/tokens", { expires_in_seconds: 60 }),
  {
    ...byId("mint JWT with a template", "POST", ""),
    request: async (h) => ({ method: "POST", url: `/v1/sessions/${(await session(h)).session.id}/tokens/${await template(h)}` }),
  },
  {
    ...byId("Clerk refresh", "POST", ""),
    request: async (h) => {
      const { session: s, token } = await session(h);
      return { method: "POST", url: `/v1/sessions/${s.id}/refresh`, body: { refresh_token: token, request_origin: "https://app.test" } };
    },
  },
  tenantNamed("list JWT templates", "GET", "/v1/jwt_templates?tenant_id=acme"),
  {
    ...tenantNamed("create JWT template", "POST", ""),
    request: async () => ({ method: "POST", url: "/v1/jwt_templates", body: { name: `new${++templateCount}`, tenant_id: "acme", claims: { a: 1 } } }),
  },
  withTemplate("get JWT template", "GET", (t) => `/v1/jwt_templates/${t}?tenant_id=acme`),
  withTemplate("change JWT template", "PATCH", (t) => `/v1/jwt_templates/${t}`, { tenant_id: "acme", lifetime_seconds: 120 }),
  withTemplate("delete JWT template", "DELETE", (t) => `/v1/jwt_templates/${t}?tenant_id=acme`),
  rootOnly("create key", async () => ({ method: "POST", url: "/v1/keys", body: { tenant_id: "acme", name: "ci" } })),
  rootOnly("list keys", async () => ({ method: "GET", url: "/v1/keys" })),
  rootOnly("revoke key", async (h) => ({ method: "DELETE", url: `/v1/keys/${(await h.apiKeys.create("acme")).id}` })),
  rootOnly("put policy", async () => ({ method: "PUT", url: "/v1/tenants/acme/policy", body: { lifetime_seconds: 3600 } })),
];

/** How each caller's key reads in a test name. */
const KEY_NAMES = { root: "the root", own: "the owning tenant's", other: "another tenant's", none: "no" } as const;

const open = ["/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/v1/jwks", "/.well-known/jwks.json"];

describe("access control on every route", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  for (const row of rows) {
    for (const who of ["root", "own", "other", "none"] as const) {
      it(`${row.name} with ${KEY_NAMES[who]} key`, async () => {
        const key = { root: h.keys.root, own: h.keys.acme, other: h.keys.globex, none: null }[who];
        const req = await row.request(h);
        const response = await h.call(req.method, req.url, { key, body: req.body });
        const expected = row.expect[who];
        const [status, code] = typeof expected === "number" ? [expected, undefined] : expected;
        assert.equal(response.statusCode, status, response.body);
        assert.equal(response.headers["content-type"], "application/json");
        if (code !== undefined) assert.equal(codeOf(response), code);
      });
    }
  }

  for (const path of open) {
    it(`${path} answers without a key`, async () => {
      assert.equal((await h.call("GET", path, { key: null })).statusCode, 200);
    });
  }

  it("gives a tenant key its own tenant when it names none, and never another's data", async () => {
    await h.sessions.create({ userId: "zed", tenantId: "acme" });
    const response = await h.call("GET", "/v1/sessions?user_id=zed", { key: h.keys.globex });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().total_count, 0);
    const own = await h.call("GET", "/v1/sessions?user_id=zed", { key: h.keys.acme });
    assert.equal(own.json().total_count, 1);
  });

  it("rejects malformed, unknown and revoked keys alike", async () => {
    const key = await h.apiKeys.create("acme");
    for (const bad of ["", "Bearer", "sdk_x.y", `${key.key}x`, h.keys.root.slice(0, -1)]) {
      const response = await h.app.inject({ method: "GET", url: "/v1/stats", headers: { authorization: bad.startsWith("Bearer") ? bad : `Bearer ${bad}` } });
      assert.equal(codeOf(response), "api_key_invalid", bad);
    }
    assert.equal((await h.call("GET", "/v1/stats", { key: key.key })).statusCode, 200);
    await h.call("DELETE", `/v1/keys/${key.id}`);
    assert.equal(codeOf(await h.call("GET", "/v1/stats", { key: key.key })), "api_key_invalid");
  });
});
