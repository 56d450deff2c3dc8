/** Abuse controls: failed verifications per end-user IP and per API key, requests per key, the per-user cap. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { isSessiondError } from "../../src/core/errors.js";
import { RATE_WINDOW_MS, RateLimiter } from "../../src/core/rate-limit.js";
import { createSessions } from "../../src/core/service.js";
import { memoryStore } from "../../src/stores/memory.js";
import { codeOf, harness } from "./harness.js";

const BAD = "sess_0000000000000000000000000000zz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

describe("rate limits over REST", () => {
  it("refuses an end-user IP (from the body) after too many failed verifications, with 429 and Retry-After, until the window ends", async () => {
    const h = await harness({}, { SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_IP: "5" });
    const { token } = await h.sessions.create({ userId: "ann" });
    const verify = (t: string, ip: string) => h.call("POST", "/v1/sessions/verify", { body: { token: t, ip } });
    for (let i = 0; i < 5; i++) assert.equal(codeOf(await verify(BAD, "198.51.100.1")), "token_invalid");
    const refused = await verify(token, "198.51.100.1");
    assert.equal(refused.statusCode, 429);
    assert.equal(codeOf(refused), "rate_limited");
    assert.ok(Number(refused.headers["retry-after"]) >= 1 && Number(refused.headers["retry-after"]) <= 60);
    assert.equal(refused.headers["content-type"], "application/json");
    assert.equal((await verify(token, "198.51.100.2")).statusCode, 200, "another user's IP is not affected");
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/refresh", { body: { token, ip: "198.51.100.1" } })), "rate_limited", "refresh is guarded too");
    h.clock.advance(RATE_WINDOW_MS);
    assert.equal((await verify(token, "198.51.100.1")).statusCode, 200, "a new window starts clean");
    await h.close();
  });

  it("does not count the app server's own address, nor failures of real sessions", async () => {
    const h = await harness({}, { SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_IP: "3" });
    for (let i = 0; i < 10; i++) await h.call("POST", "/v1/sessions/verify", { body: { token: BAD } });
    const { session, token } = await h.sessions.create({ userId: "ann" });
    assert.equal((await h.call("POST", "/v1/sessions/verify", { body: { token } })).statusCode, 200, "no body ip: the socket is the app server, never limited");
    await h.sessions.revoke(session.id);
    for (let i = 0; i < 10; i++) assert.equal(codeOf(await h.call("POST", "/v1/sessions/verify", { body: { token, ip: "198.51.100.9" } })), "session_revoked");
    const other = await h.sessions.create({ userId: "bob" });
    assert.equal((await h.call("POST", "/v1/sessions/verify", { body: { token: other.token, ip: "198.51.100.9" } })).statusCode, 200);
    await h.close();
  });

  it("limits failed verifications per API key and requests per API key, one key at a time", async () => {
    const h = await harness({}, { SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_KEY: "3", SESSIOND_RATE_LIMIT_REQUESTS_PER_KEY: "20" });
    for (let i = 0; i < 3; i++) await h.call("POST", "/v1/sessions/verify", { key: h.keys.acme, body: { token: BAD } });
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/verify", { key: h.keys.acme, body: { token: BAD } })), "rate_limited");
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/verify", { key: h.keys.globex, body: { token: BAD } })), "token_invalid");
    for (let i = 0; i < 20; i++) await h.call("GET", "/v1/stats", { key: h.keys.globex });
    await new Promise((r) => setTimeout(r, 400)); // requests reach the store's counter in 250 ms batches
    const refused = await h.call("GET", "/v1/stats", { key: h.keys.globex });
    assert.deepEqual([refused.statusCode, codeOf(refused)], [429, "rate_limited"]);
    assert.equal((await h.call("GET", "/v1/stats", { key: h.keys.root })).statusCode, 200);
    await h.close();
  });
});

describe("rate limits across servers", () => {
  it("holds one limit for every server on the store: each learns of it from the shared total", async () => {
    const store = memoryStore();
    const clock = new ManualClock(Date.UTC(2026, 10, 23, 12, 0, 0));
    const limits = { failedVerifyPerIp: 5, failedVerifyPerKey: null, requestsPerKey: null };
    const a = new RateLimiter(store, clock, limits);
    const b = new RateLimiter(store, clock, limits);
    for (let i = 0; i < 3; i++) await a.failedVerify("203.0.113.5", "k");
    for (let i = 0; i < 2; i++) await b.failedVerify("203.0.113.5", "k");
    assert.throws(() => b.checkVerify("203.0.113.5", "k"), (e) => isSessiondError(e, "rate_limited"), "b saw the fifth failure");
    a.checkVerify("203.0.113.5", "k"); // a has not counted since: one more attempt slips through on a…
    await a.failedVerify("203.0.113.5", "k");
    assert.throws(() => a.checkVerify("203.0.113.5", "k"), (e) => isSessiondError(e, "rate_limited"), "…and then a refuses too");
  });
});

describe("per-user session cap", () => {
  it("removes the least recently active beyond the deployment's cap, even without a policy limit", async () => {
    const clock = new ManualClock();
    const sessions = createSessions({ store: memoryStore(), clock, policy: { userSessionCap: 3 } });
    const first = await sessions.create({ userId: "ann" });
    for (let i = 0; i < 3; i++) {
      clock.advance(1000); // distinct last-active times: "least recently active" is then the first
      await sessions.create({ userId: "ann" });
    }
    const gone = await sessions.get(first.session.id);
    assert.deepEqual([gone.status, gone.endReason], ["removed", "session_limit"]);
    assert.equal((await sessions.list({ userId: "ann", status: "active" })).totalCount, 3);
  });
});
