/**
 * The lean verify path (src/http/lean-verify.ts) answers POST /v1/sessions/verify in front of
 * Fastify on a listening server; inject() always takes the Fastify route. Every answer of the
 * lean path — success and each failure — must be the route's, byte for byte (trace ids aside).
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { Value } from "@sinclair/typebox/value";
import type { LightMyRequestResponse } from "fastify";
import { ApiKeys } from "../../src/core/api-keys.js";
import { ManualClock } from "../../src/core/clock.js";
import { type VerifyFailureCode, SessiondError } from "../../src/core/errors.js";
import { RateLimiter } from "../../src/core/rate-limit.js";
import { type Sessions, createSessions } from "../../src/core/service.js";
import { systemRandom } from "../../src/core/session-token.js";
import { loadConfig, rateLimitsOf } from "../../src/config.js";
import { type App, buildApp } from "../../src/http/app.js";
import { ErrorSchema, SessionSchema } from "../../src/http/schemas.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { ROOT_KEY } from "./harness.js";

const UA = "Mozilla/5.0 (lean-verify test)";
const PATH = "/v1/sessions/verify";
const TRACE = /"(clerk_)?trace_id":"[0-9a-f]{32}"/g;

/** What the core's verify does next: the real one, or a forced outcome. */
type Outcome = { kind: "real" } | { kind: "code"; code: VerifyFailureCode } | { kind: "throw"; error: Error };

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

interface Rig {
  app: App;
  base: string;
  sessions: Sessions;
  keys: { acme: string };
  outcome: Outcome;
  /** Requests that reached Fastify's own routing. */
  fastifyRequests: number;
  close(): Promise<void>;
}

async function rig(env: Record<string, string> = {}): Promise<Rig> {
  const store = memoryStore();
  const clock = new ManualClock(Date.now());
  const real = createSessions({ store, clock });
  const state = { outcome: { kind: "real" } as Outcome };
  // The route and the lean path call the same service: forcing its outcome reaches both alike.
  const sessions = Object.assign(Object.create(real) as Sessions, {
    verify: (...args: Parameters<Sessions["verify"]>) => {
      const o = state.outcome;
      if (o.kind === "code") return Promise.resolve({ valid: false as const, code: o.code });
      if (o.kind === "throw") return Promise.reject(o.error);
      return real.verify(...args);
    },
  });
  const apiKeys = new ApiKeys(store.apiKeys, clock, systemRandom, ROOT_KEY);
  const config = loadConfig({ env });
  const rateLimiter = new RateLimiter(store.counters, clock, rateLimitsOf(config));
  const app = await buildApp({ sessions, apiKeys, config, rateLimiter });
  const acme = (await apiKeys.create("acme", "acme")).key;
  const r: Rig = {
    app,
    base: "",
    sessions: real,
    keys: { acme },
    get outcome() {
      return state.outcome;
    },
    set outcome(o) {
      state.outcome = o;
    },
    fastifyRequests: 0,
    close: async () => {},
  };
  app.addHook("onRequest", (_request, _reply, done) => {
    r.fastifyRequests += 1;
    done();
  });
  r.base = await app.listen({ port: 0, host: "127.0.0.1" });
  r.close = async () => {
    rateLimiter.close();
    await app.close();
  };
  return r;
}

interface Call {
  key?: string | null;
  raw: string;
  contentType?: string;
}

const headersOf = (c: Call): Record<string, string> => ({
  "user-agent": UA,
  "content-type": c.contentType ?? "application/json",
  ...(c.key === null ? {} : { authorization: `Bearer ${c.key ?? ROOT_KEY}` }),
});

/** The kept headers: what the route sets (the connection's own, Date and Keep-Alive, inject() has not). */
function kept(headers: Record<string, string | string[] | number | undefined> | Headers): Record<string, string | undefined> {
  const get = (name: string) => (headers instanceof Headers ? (headers.get(name) ?? undefined) : headers[name]?.toString());
  return Object.fromEntries(["content-type", "content-length", "cache-control", "retry-after"].map((name) => [name, get(name)]));
}

async function viaFastify(r: Rig, c: Call): Promise<Answer> {
  const response: LightMyRequestResponse = await r.app.inject({ method: "POST", url: PATH, headers: headersOf(c), payload: c.raw, remoteAddress: "127.0.0.1" });
  return { status: response.statusCode, headers: kept(response.headers), body: response.body };
}

async function viaLean(r: Rig, c: Call): Promise<Answer> {
  const before = r.fastifyRequests;
  const response = await fetch(`${r.base}${PATH}`, { method: "POST", headers: headersOf(c), body: c.raw });
  const answer = { status: response.status, headers: kept(response.headers), body: await response.text() };
  assert.equal(r.fastifyRequests, before, "the lean path answered, not Fastify");
  return answer;
}

/** Both answers, the same byte for byte once their (random) trace ids are set aside. */
async function sameAnswer(r: Rig, c: Call): Promise<Answer> {
  const fastify = await viaFastify(r, c);
  const lean = await viaLean(r, c);
  const traceless = (a: Answer) => ({ ...a, body: a.body.replace(TRACE, '"$1trace_id":"-"') });
  assert.deepEqual(traceless(lean), traceless(fastify));
  return lean;
}

function assertError(a: Answer, status: number, code: string): void {
  assert.equal(a.status, status);
  const body = JSON.parse(a.body) as { errors: { code: string }[]; trace_id: string };
  assert.ok(Value.Check(ErrorSchema, body), a.body);
  assert.equal(body.errors[0]?.code, code);
  assert.match(body.trace_id, /^[0-9a-f]{32}$/);
}

const FAILURES: [VerifyFailureCode, number][] = [
  ["token_invalid", 401],
  ["session_expired", 401],
  ["session_abandoned", 401],
  ["session_revoked", 401],
  ["session_ended", 401],
  ["session_removed", 401],
  ["session_replaced", 401],
  ["session_pending", 401],
  ["user_agent_mismatch", 401],
  ["audience_mismatch", 401],
  ["token_reused", 401],
];

describe("the lean verify path answers exactly as the Fastify route", () => {
  let r: Rig;
  let token: string;
  before(async () => {
    r = await rig();
    token = (await r.sessions.create({ userId: "ann", ip: "127.0.0.1", userAgent: UA })).token;
    await viaFastify(r, { raw: JSON.stringify({ token }) }); // its first use records activity; later ones do not
  });
  after(() => r.close());

  it("a valid token: the session, in the schema's fields and order", async () => {
    const a = await sameAnswer(r, { raw: JSON.stringify({ token }) });
    assert.equal(a.status, 200);
    assert.equal(a.headers["content-type"], "application/json");
    assert.equal(a.headers["cache-control"], "no-store");
    const body = JSON.parse(a.body) as Record<string, unknown>;
    assert.ok(Value.Check(SessionSchema, body), a.body);
    assert.deepEqual(Object.keys(body), Object.keys(SessionSchema.properties));
  });

  for (const [code, status] of FAILURES)
    it(`${code}: ${status} with the error body`, async () => {
      r.outcome = { kind: "code", code };
      try {
        assertError(await sameAnswer(r, { raw: JSON.stringify({ token }) }), status, code);
      } finally {
        r.outcome = { kind: "real" };
      }
    });

  it("store_unavailable and a bug (internal) answer 503 and 500, leaking nothing", async () => {
    for (const [error, status, code] of [
      [new SessiondError("store_unavailable", "the store did not answer"), 503, "store_unavailable"],
      [new Error("a bug with a secret in its message"), 500, "internal"],
    ] as const) {
      r.outcome = { kind: "throw", error };
      try {
        const a = await sameAnswer(r, { raw: JSON.stringify({ token }) });
        assertError(a, status, code);
        assert.doesNotMatch(a.body, /secret/);
      } finally {
        r.outcome = { kind: "real" };
      }
    }
  });

  it("a missing, malformed or unknown API key, and a tenant key naming another tenant", async () => {
    assertError(await sameAnswer(r, { key: null, raw: JSON.stringify({ token }) }), 401, "api_key_invalid");
    assertError(await sameAnswer(r, { key: "not a key", raw: JSON.stringify({ token }) }), 401, "api_key_invalid");
    assertError(await sameAnswer(r, { key: `${ROOT_KEY}x`, raw: "{" }), 401, "api_key_invalid"); // the key is checked before the body
    assertError(await sameAnswer(r, { key: r.keys.acme, raw: JSON.stringify({ token, tenant_id: "globex" }) }), 403, "tenant_forbidden");
    assertError(await sameAnswer(r, { key: r.keys.acme, raw: JSON.stringify({ token }) }), 401, "token_invalid");
  });

  it("bodies the schema refuses: not JSON, a prototype key, empty, no token, an unknown field, a wrong type, too long", async () => {
    for (const raw of [
      "{",
      '{"token":"x","__proto__":{"a":1}}',
      "",
      "   ",
      "[]",
      "{}",
      JSON.stringify({ token, extra: 1 }),
      JSON.stringify({ token: 5 }),
      JSON.stringify({ token, accept_pending: "yes" }),
      JSON.stringify({ token, ip: "x".repeat(5000) }),
    ])
      assertError(await sameAnswer(r, { raw }), 400, "request_invalid");
  });

  it("the server it makes has the timeouts Fastify gives its own", () => {
    assert.equal(r.app.server.keepAliveTimeout, 72_000); // Fastify's default
    assert.equal(r.app.server.requestTimeout, loadConfig({ env: {} }).requestTimeoutMs);
  });

  it("anything out of the ordinary is left to Fastify: another media type, a charset, another path", async () => {
    const before = r.fastifyRequests;
    for (const contentType of ["application/json; charset=utf-8", "text/plain"]) {
      const response = await fetch(`${r.base}${PATH}`, { method: "POST", headers: headersOf({ raw: "", contentType }), body: JSON.stringify({ token }) });
      await response.arrayBuffer();
    }
    await (await fetch(`${r.base}${PATH}?x=1`, { method: "POST", headers: headersOf({ raw: "" }), body: JSON.stringify({ token }) })).arrayBuffer();
    assert.equal(r.fastifyRequests, before + 3);
  });
});

describe("the lean verify path and a client that goes away", () => {
  it("a body cut short by a closed connection is answered by nobody, and the server keeps answering", async () => {
    const r = await rig();
    const port = new URL(r.base).port;
    const socket = connect(Number(port), "127.0.0.1");
    await once(socket, "connect");
    socket.write(`POST ${PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${ROOT_KEY}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"tok`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    const { token } = await r.sessions.create({ userId: "cid" });
    const response = await fetch(`${r.base}${PATH}`, { method: "POST", headers: headersOf({ raw: "" }), body: JSON.stringify({ token }) });
    assert.equal(response.status, 200);
    await r.close();
  });
});

describe("the lean verify path under abuse limits and access logs", () => {
  it("a guess over the limit answers 429 with the route's Retry-After", async () => {
    const r = await rig({ SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_KEY: "2" });
    const guess = { raw: JSON.stringify({ token: `sess_${"0".repeat(30)}.${"A".repeat(43)}` }) };
    assertError(await viaLean(r, guess), 401, "token_invalid");
    assertError(await viaLean(r, guess), 401, "token_invalid");
    const a = await sameAnswer(r, guess);
    assertError(a, 429, "rate_limited");
    assert.ok(Number(a.headers["retry-after"]) >= 1);
    await r.close();
  });

  it("with access logging on, every verify takes the Fastify route (it writes the log line)", async () => {
    const r = await rig({ SESSIOND_LOG_REQUESTS: "true" });
    const { token } = await r.sessions.create({ userId: "bob" });
    const before = r.fastifyRequests;
    const response = await fetch(`${r.base}${PATH}`, { method: "POST", headers: headersOf({ raw: "" }), body: JSON.stringify({ token }) });
    assert.equal(response.status, 200);
    assert.equal(r.fastifyRequests, before + 1);
    await r.close();
  });
});
