/** Hostile and malformed input on every route: always a 4xx with a registry code, never a 5xx. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ERROR_CODES } from "../../src/core/errors.js";
import { HTTP_STATUS } from "../../src/http/errors.js";
import { harness, type Harness } from "./harness.js";

const ID = "sess_0000000000000000000000000000zz";
const bodyRoutes: [string, string][] = [
  ["POST", "/v1/sessions"],
  ["POST", "/v1/sessions/verify"],
  ["POST", `/v1/sessions/${ID}/verify`],
  ["POST", "/v1/sessions/refresh"],
  ["PATCH", `/v1/sessions/${ID}`],
  ["POST", `/v1/sessions/${ID}/activate`],
  ["POST", `/v1/sessions/${ID}/end`],
  ["POST", `/v1/sessions/${ID}/revoke`],
  ["POST", "/v1/users/ann/sessions/revoke"],
  ["POST", "/v1/keys"],
  ["PUT", "/v1/tenants/acme/policy"],
  ["POST", `/v1/sessions/${ID}/tokens`],
  ["POST", `/v1/sessions/${ID}/tokens/hasura`],
  ["POST", `/v1/sessions/${ID}/refresh`],
  ["POST", "/v1/jwt_templates"],
  ["PATCH", "/v1/jwt_templates/hasura"],
];
const deep = (n: number): string => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
const badBodies: [string, string][] = [
  ["invalid JSON", "{"],
  ["trailing garbage", '{"user_id":"a"} x'],
  ["array", "[]"],
  ["string", '"text"'],
  ["number", "42"],
  ["__proto__ key", '{"user_id":"a","__proto__":{"admin":true}}'],
  ["constructor key", '{"user_id":"a","constructor":{"prototype":{"admin":true}}}'],
  ["unknown field", '{"user_id":"a","token":"t","nope":1}'],
  ["wrong types", '{"user_id":5,"token":7,"metadata":"x","scopes":"a","amr":[1],"reason":false,"tenant_id":3}'],
  ["NUL bytes", JSON.stringify({ user_id: "a\u0000b", token: "t\u0000", reason: "r\u0000", tenant_id: "acme\u0000", metadata: { "k\u0000": "v" } })],
  ["lone surrogates", '{"user_id":"\\ud800","token":"\\udfff","reason":"\\ud800"}'],
  ["absurd lengths", JSON.stringify({ user_id: "u".repeat(100_000), token: "t".repeat(100_000), reason: "r".repeat(10_000), tenant_id: "a".repeat(500) })],
  ["huge arrays", JSON.stringify({ user_id: "a", token: "t", scopes: Array(100_000).fill("s"), amr: Array(1000).fill("pwd") })],
  ["deep nesting", `{"user_id":"a","token":"t","metadata":${deep(5000)}}`],
  ["very deep nesting", `{"user_id":"a","token":"t","metadata":${deep(200_000)}}`],
  ["bad ids", JSON.stringify({ user_id: "a", token: "t", replaces_session_id: "sess_!", except_session_id: "x" })],
  ["negative durations", JSON.stringify({ user_id: "a", lifetime_seconds: -1, max_age_minutes: 0, lifetime: 1 })],
  ["odd unicode", JSON.stringify({ user_id: "\u202e\u200b\ufeff", token: "🙂".repeat(40), tenant_id: "ácme" })],
];
const badPaths = [
  "/v1/sessions/nope",
  "/v1/sessions/sess_%00",
  `/v1/sessions/${"x".repeat(5000)}`,
  "/v1/sessions/%E0%A4%A",
  "/v1/sessions/sess_ÄÖÜ",
  "/v1/sessions?cursor=%%%",
  "/v1/sessions?cursor=abc",
  "/v1/sessions?limit=0",
  "/v1/sessions?limit=501",
  "/v1/sessions?limit=1e3",
  "/v1/sessions?offset=-1",
  "/v1/sessions?offset=10001",
  "/v1/sessions?status=zombie",
  "/v1/sessions?tenant_id=BAD",
  "/v1/sessions?created_at_from=yesterday",
  "/v1/sessions?user_id=",
  "/v1/sessions?nope=1",
  "/v1/sessions?__proto__=x",
  `/v1/sessions/${ID}/activities?cursor=zz`,
  "/v1/users?cursor=Yz",
  `/v1/sessions?cursor=${Buffer.from("c1.sess_zzz").toString("base64url")}`,
  `/v1/sessions?cursor=${Buffer.from("c1.").toString("base64url")}`,
  `/v1/sessions?cursor=${Buffer.from("c1.x'; drop table sessions;--").toString("base64url")}`,
  `/v1/sessions/${ID}/activities?cursor=${Buffer.from("c1.sact_zzz").toString("base64url")}`,
  "/v1/keys/notakey",
  "/v1/tenants/Not_A_Tenant/policy",
  "/v1/stats?tenant_id=%00",
  "/v1/jwt_templates/%00",
  "/v1/jwt_templates/nope",
  `/v1/jwt_templates/${"n".repeat(100)}`,
  "/v1/jwt_templates?tenant_id=BAD",
];

describe("bad input on every route", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  const assertClientError = (response: { statusCode: number; headers: Record<string, unknown>; json(): unknown; body: string }, label: string) => {
    assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${label}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    assert.equal(response.headers["content-type"], "application/json", label);
    const body = response.json() as {
      errors: { code: string; message: string; long_message: string; meta: object }[];
      trace_id: string;
      clerk_trace_id: string;
    };
    const code = body.errors[0]!.code as (typeof ERROR_CODES)[number];
    assert.ok(ERROR_CODES.includes(code), `${label}: ${code}`);
    assert.equal(HTTP_STATUS[code], response.statusCode, label);
    assert.equal(typeof body.errors[0]!.message, "string");
    assert.equal(body.trace_id, body.clerk_trace_id);
  };

  for (const [method, url] of bodyRoutes) {
    for (const [label, raw] of badBodies) {
      it(`${method} ${url.replace(ID, ":id")} with ${label}`, async () => {
        assertClientError(await h.call(method, url, { raw }), label);
      });
    }
    it(`${method} ${url.replace(ID, ":id")} with a body over 1 MiB answers 413`, async () => {
      const response = await h.call(method, url, { raw: JSON.stringify({ user_id: "a", metadata: { x: "y".repeat(1_100_000) } }) });
      assert.equal(response.statusCode, 413);
      assertClientError(response, "oversize");
    });
    it(`${method} ${url.replace(ID, ":id")} with a non-JSON content type`, async () => {
      assertClientError(await h.call(method, url, { raw: "user_id=a", headers: { "content-type": "application/x-www-form-urlencoded" } }), "form");
    });
  }

  for (const path of badPaths) {
    it(`GET ${path.slice(0, 60)}`, async () => assertClientError(await h.call("GET", path), path));
  }

  it("accepts Unicode text where text is allowed and returns it intact", async () => {
    const response = await h.call("POST", "/v1/sessions", { body: { user_id: "ユーザー🙂", username: "Zoë", metadata: { note: "\u202e" } } });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().user_id, "ユーザー🙂");
  });

  it("keeps serving after the battery", async () => {
    assert.equal((await h.call("GET", "/healthz")).statusCode, 200);
    assert.equal((await h.call("POST", "/v1/sessions", { body: { user_id: "after" } })).statusCode, 200);
  });
});
