import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SessiondError, isSessiondError } from "../core/errors.js";
import { type AuthOutcome, type SessiondAuthOptions, createAuthenticator } from "./authenticate.js";
import type { RequestFacts } from "./request.js";
import { claimsFor, jwksServer, signJwt, tenantIssuer, testKey } from "../../test/middleware/jwks-server.js";

const TOKEN = `sess_${"0".repeat(30)}.${"A".repeat(43)}`;

function facts(headers: Record<string, string>, remoteAddress = "::ffff:10.1.2.3"): RequestFacts {
  return { header: (name) => headers[name], remoteAddress };
}

/** An authenticator whose sessiond answers `status` with `body` (and `headers`), recording what it was sent and warned. */
function withSessiond(status: number, body: unknown, options: Partial<SessiondAuthOptions> = {}, headers: Record<string, string> = {}) {
  const sent: { url: string; authorization: string | null; body: Record<string, unknown> }[] = [];
  const warnings: string[] = [];
  const fetch = async (url: string | URL | Request, init?: RequestInit) => {
    sent.push({ url: String(url), authorization: new Headers(init?.headers).get("authorization"), body: JSON.parse(String(init?.body)) });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
  };
  const logger = { warn: (message: string) => void warnings.push(message) };
  return { sent, warnings, authenticate: createAuthenticator({ sessiondUrl: "http://sessiond.test/", apiKey: "key_1", fetch, logger, ...options }) };
}

/** The failure's status, code and message, or null when the request went through. */
function failureOf(outcome: AuthOutcome) {
  if (outcome.ok) return null;
  const error = JSON.parse(outcome.failure.body).errors[0];
  return { status: outcome.failure.status, code: error.code as string, message: error.message as string, headers: outcome.failure.headers };
}

const SESSION = { object: "session", id: "sess_1", user_id: "u1", tenant_id: "acme" };

describe("createAuthenticator", () => {
  test("needs a server URL and an API key, and one source of JWT keys at most", () => {
    assert.throws(() => createAuthenticator({ sessiondUrl: "", apiKey: "k" }), TypeError);
    assert.throws(() => createAuthenticator({ sessiondUrl: "http://s", apiKey: "" }), TypeError);
    assert.throws(
      () => createAuthenticator({ sessiondUrl: "http://s", apiKey: "k", issuer: "http://s/t/acme", verifier: { verify: async () => ({}) as never } }),
      TypeError,
    );
  });

  test("sends the token, the unmapped socket address and the user agent with the API key", async () => {
    const { sent, authenticate } = withSessiond(200, SESSION);
    const outcome = await authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}`, "user-agent": "ua/1" }));
    assert.deepEqual(outcome, { ok: true, auth: { kind: "session", userId: "u1", sessionId: "sess_1", tenantId: "acme", session: SESSION } });
    assert.deepEqual(sent, [
      { url: "http://sessiond.test/v1/sessions/verify", authorization: "Bearer key_1", body: { token: TOKEN, ip: "10.1.2.3", user_agent: "ua/1" } },
    ]);
  });

  test("a made-up X-Forwarded-For falls back to the socket address", async () => {
    const { sent, authenticate } = withSessiond(200, SESSION, { trustProxy: true });
    await authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}`, "x-forwarded-for": "203.0.113.7, <script>" }));
    assert.equal(sent[0]?.body.ip, "10.1.2.3");
  });

  test("trustProxy counts hops from the right, so a forged leftmost X-Forwarded-For entry is never sent as the user's", async () => {
    const sentIp = async (trustProxy: boolean | number, forwardedFor: string) => {
      const { sent, authenticate } = withSessiond(200, SESSION, { trustProxy });
      await authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}`, "x-forwarded-for": forwardedFor }));
      return sent[0]?.body.ip;
    };
    assert.equal(await sentIp(true, "6.6.6.6, 203.0.113.7"), "203.0.113.7", "true is one hop");
    assert.equal(await sentIp(1, "6.6.6.6, 203.0.113.7"), "203.0.113.7");
    assert.equal(await sentIp(2, "6.6.6.6, 203.0.113.7, 10.0.0.9"), "203.0.113.7");
    assert.equal(await sentIp(0, "6.6.6.6, 203.0.113.7"), "10.1.2.3");
    for (const bad of [-1, 1.5, 33, "1" as unknown as number])
      assert.throws(() => createAuthenticator({ sessiondUrl: "http://s", apiKey: "k", trustProxy: bad }), TypeError);
  });

  test("a user agent sessiond would refuse (a tab, an overlong header) is cleaned, never a failed check", async () => {
    const { sent, authenticate } = withSessiond(200, SESSION);
    await authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}`, "user-agent": `a\tb${"x".repeat(20_000)}` }));
    const sentAgent = String(sent[0]?.body.user_agent);
    assert.ok(sentAgent.startsWith("a b") && sentAgent.length <= 1024, `sent ${sentAgent.length} characters starting ${JSON.stringify(sentAgent.slice(0, 3))}`);
  });

  test("warns once, through the logger, when it would send a private or loopback address as the user's", async () => {
    const { warnings, authenticate } = withSessiond(200, SESSION);
    for (let i = 0; i < 3; i++) await authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}` }, "::ffff:10.1.2.3"));
    assert.equal(warnings.length, 1);
    const behindProxy = withSessiond(200, SESSION, { trustProxy: 1 });
    await behindProxy.authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}`, "x-forwarded-for": "203.0.113.7" }, "10.0.0.1"));
    assert.equal(behindProxy.warnings.length, 0, "a public address behind a trusted proxy is no sign of trouble");
    const jwtOnly = withSessiond(200, SESSION, { verifier: { verify: async () => ({ sub: "u", sid: "s", tid: "acme", sts: "active" }) as never } });
    await jwtOnly.authenticate(facts({ authorization: "Bearer a.b.c" }));
    assert.equal(jwtOnly.warnings.length, 0, "a JWT sends no address");
  });

  test("sessiond's 429 is answered 429 rate_limited with its Retry-After, not thrown", async () => {
    const tooMany = { errors: [{ code: "rate_limited", meta: { retryAfterSeconds: 17 } }] };
    for (const optional of [false, true]) {
      const outcome = await withSessiond(429, tooMany, { optional }, { "retry-after": "17" }).authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}` }));
      const failure = failureOf(outcome);
      assert.deepEqual(
        [failure?.status, failure?.code, failure?.headers["retry-after"], failure?.headers["content-type"]],
        [429, "rate_limited", "17", "application/json"],
      );
    }
  });

  test("a pending session passes only with acceptPending: the cookie path asks sessiond for it, a pending JWT is session_pending", async () => {
    const plain = withSessiond(200, SESSION);
    await plain.authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}` }));
    assert.equal(plain.sent[0]?.body.accept_pending, undefined);
    const opted = withSessiond(200, SESSION, { acceptPending: true });
    await opted.authenticate(facts({ cookie: `__Host-sessiond=${TOKEN}` }));
    assert.equal(opted.sent[0]?.body.accept_pending, true);
    // A prebuilt verifier that lets pending JWTs through: the middleware still checks sts itself.
    const verifier = { verify: async () => ({ sub: "u1", sid: "sess_1", tid: "acme", sts: "pending" }) as never };
    const jwt = facts({ authorization: "Bearer a.b.c" });
    assert.deepEqual(failureOf(await withSessiond(200, SESSION, { verifier }).authenticate(jwt))?.code, "session_pending");
    assert.equal(
      failureOf(await withSessiond(200, SESSION, { verifier, optional: true }).authenticate(jwt))?.code,
      "session_pending",
      "a bearer was sent on purpose",
    );
    assert.deepEqual(
      await withSessiond(200, SESSION, { verifier, acceptPending: true })
        .authenticate(jwt)
        .then((o) => o.ok && o.auth?.kind),
      "jwt",
    );
  });

  test("the 401 says whether a credential was sent: nothing, a malformed cookie, an unusable bearer", async () => {
    const { authenticate } = withSessiond(200, SESSION);
    const nothing = failureOf(await authenticate(facts({})));
    const messages = new Set([nothing?.message]);
    for (const headers of <Record<string, string>[]>[
      { cookie: "__Host-sessiond=a b" },
      { authorization: "Bearer x.y.z" },
      { authorization: "Bearer nodots" },
      { cookie: "__Host-sessiond=sess_x.y" },
    ]) {
      const failure = failureOf(await authenticate(facts(headers)));
      assert.equal(failure?.code, "token_invalid");
      assert.ok(!messages.has(failure?.message), `${JSON.stringify(headers)} reads like another case`);
      messages.add(failure?.message);
    }
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
