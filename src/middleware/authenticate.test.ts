import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SessiondError, isSessiondError } from "../core/errors.js";
import { type SessiondAuthOptions, createAuthenticator } from "./authenticate.js";
import type { RequestFacts } from "./request.js";
import { claimsFor, jwksServer, signJwt, tenantIssuer, testKey } from "../../test/middleware/jwks-server.js";

const TOKEN = `sess_${"0".repeat(30)}.${"A".repeat(43)}`;

function facts(headers: Record<string, string>, remoteAddress = "::ffff:10.1.2.3"): RequestFacts {
  return { header: (name) => headers[name], remoteAddress };
}

/** An authenticator whose sessiond answers `status` with `body`, recording what it was sent. */
function withSessiond(status: number, body: unknown, options: Partial<SessiondAuthOptions> = {}) {
  const sent: { url: string; authorization: string | null; body: Record<string, unknown> }[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(url), authorization: new Headers(init?.headers).get("authorization"), body: JSON.parse(String(init?.body)) });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
  return { sent, authenticate: createAuthenticator({ sessiondUrl: "http://sessiond.test/", apiKey: "key_1", fetch, ...options }) };
}

const SESSION = { object: "session", id: "sess_1", user_id: "u1", tenant_id: "acme" };

describe("createAuthenticator", () => {
  test("needs a server URL and an API key, and one source of JWT keys at most", () => {
    assert.throws(() => createAuthenticator({ sessiondUrl: "", apiKey: "k" }), TypeError);
    assert.throws(() => createAuthenticator({ sessiondUrl: "http://s", apiKey: "" }), TypeError);
    assert.throws(() => createAuthenticator({ sessiondUrl: "http://s", apiKey: "k", issuer: "http://s/t/acme", verifier: { verify: async () => ({}) as never } }), TypeError);
  });

  test("sends the token, the unmapped socket address and the user agent with the API key", async () => {
    const { sent, authenticate } = withSessiond(200, SESSION);
    const outcome = await authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}`, "user-agent": "ua/1" }));
    assert.deepEqual(outcome, { ok: true, auth: { kind: "session", userId: "u1", sessionId: "sess_1", tenantId: "acme", session: SESSION } });
    assert.deepEqual(sent, [{ url: "http://sessiond.test/v1/sessions/verify", authorization: "Bearer key_1", body: { token: TOKEN, ip: "10.1.2.3", user_agent: "ua/1" } }]);
  });

  test("a made-up X-Forwarded-For falls back to the socket address", async () => {
    const { sent, authenticate } = withSessiond(200, SESSION, { trustProxy: true });
    await authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}`, "x-forwarded-for": "<script>, 10.0.0.1" }));
    assert.equal(sent[0]?.body["ip"], "10.1.2.3");
  });

  test("a cookie that is not a token is refused without asking sessiond", async () => {
    const { sent, authenticate } = withSessiond(200, SESSION);
    const outcome = await authenticate(facts({ cookie: "__Host-sessiond=sess_x.y" }));
    assert.deepEqual(outcome.ok ? null : JSON.parse(outcome.failure.body).errors[0].code, "token_invalid");
    assert.equal(sent.length, 0);
  });

  test("a JWT bearer is ignored when the app configured no issuer", async () => {
    const { sent, authenticate } = withSessiond(200, SESSION);
    const outcome = await authenticate(facts({ authorization: "Bearer a.b.c" }));
    assert.equal(outcome.ok, false);
    assert.equal(sent.length, 0);
  });

  test("with an issuer, JWTs are checked against the server's /v1/jwks", async () => {
    const key = await testKey("k1");
    const server = await jwksServer([key]);
    try {
      const issuer = tenantIssuer(server, "acme");
      const authenticate = createAuthenticator({ sessiondUrl: server.url, apiKey: "key_1", issuer });
      const outcome = await authenticate(facts({ authorization: `Bearer ${await signJwt(key, claimsFor(issuer, "acme"))}` }));
      assert.deepEqual(outcome.ok && outcome.auth?.kind, "jwt");
      assert.equal(server.fetches, 1);
    } finally {
      await server.close();
    }
  });

  test("the failure body is SPEC §4 with the JWT's reason in meta", async () => {
    const verifier = { verify: () => Promise.reject(new SessiondError("token_invalid", "expired", { details: { reason: "expired" } })) };
    const outcome = await withSessiond(200, SESSION, { verifier }).authenticate(facts({ authorization: "Bearer a.b.c" }));
    assert.ok(!outcome.ok);
    const body = JSON.parse(outcome.failure.body);
    assert.equal(outcome.failure.status, 401);
    assert.deepEqual(body.errors, [{ code: "token_invalid", message: "expired", long_message: "expired", meta: { reason: "expired" } }]);
    assert.equal(body.trace_id, body.clerk_trace_id);
  });

  test("sessiond refusing the app itself is thrown for the framework to log, not answered as the user's 401", async () => {
    const { authenticate } = withSessiond(401, { errors: [{ code: "api_key_invalid" }] });
    await assert.rejects(authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}` })), (error) => error instanceof Error && !isSessiondError(error));
  });

  test("sessiond answering 5xx is store_unavailable", async () => {
    const outcome = await withSessiond(503, { errors: [{ code: "store_unavailable" }] }).authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}` }));
    assert.deepEqual(outcome.ok ? null : [outcome.failure.status, JSON.parse(outcome.failure.body).errors[0].code], [503, "store_unavailable"]);
  });
});
