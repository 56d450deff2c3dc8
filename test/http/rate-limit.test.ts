/** Abuse controls: failed verifications per end-user IP and per API key, requests per key, the per-user cap. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { isSessiondError } from "../../src/core/errors.js";
import { RATE_WINDOW_MS, RateLimiter } from "../../src/core/rate-limit.js";
import { createSessions } from "../../src/core/service.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { codeOf, harness } from "./harness.js";

const BAD = "sess_0000000000000000000000000000zz.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/** A well-formed token for a session id that does not exist: the kind a guesser makes up. */
function madeUp(i: number): string {
  return `sess_${i
    .toString(32)
    .padStart(30, "0")
    .replace(/[ilou]/g, "0")}.${"A".repeat(43)}`;
}

describe("rate limits over REST", () => {
  it("answers a failed guess from a blocked end-user IP with 429 and Retry-After until the window ends; verify, refresh and Clerk's refresh alike", async () => {
    const h = await harness({}, { SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_IP: "5" });
    const { session } = await h.sessions.create({ userId: "ann" });
    const verify = (t: string, ip: string) => h.call("POST", "/v1/sessions/verify", { body: { token: t, ip } });
    for (let i = 0; i < 5; i++) assert.equal(codeOf(await verify(BAD, "198.51.100.1")), "token_invalid", "the limit's own failures answer their code");
    const refused = await verify(BAD, "198.51.100.1");
    assert.equal(refused.statusCode, 429);
    assert.equal(codeOf(refused), "rate_limited");
    assert.ok(Number(refused.headers["retry-after"]) >= 1 && Number(refused.headers["retry-after"]) <= 60);
    assert.equal(refused.headers["content-type"], "application/json");
    assert.equal(codeOf(await verify(BAD, "198.51.100.2")), "token_invalid", "another user's IP is not affected");
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/refresh", { body: { token: BAD, ip: "198.51.100.1" } })), "rate_limited", "refresh is guarded too");
    const clerk = await h.call("POST", `/v1/sessions/${session.id}/refresh`, { body: { refresh_token: BAD, request_originating_ip: "198.51.100.1" } });
    assert.equal(codeOf(clerk), "rate_limited", "and Clerk's refresh");
    h.clock.advance(RATE_WINDOW_MS);
    assert.equal(codeOf(await verify(BAD, "198.51.100.1")), "token_invalid", "a new window starts clean");
    await h.close();
  });

  it("never refuses a token that verifies: 60 made-up tokens from one IP lock out neither that IP's real users nor another tenant's app", async () => {
    const h = await harness(); // the default limit: 60 failures a minute per IP
    const ip = "198.51.100.77";
    const verify = (token: string, key = h.keys.acme) => h.call("POST", "/v1/sessions/verify", { key, body: { token, ip } });
    for (let i = 0; i < 70; i++) await verify(i % 2 === 0 ? madeUp(i) : `junk-${i}`);
    assert.equal(codeOf(await verify(madeUp(1000))), "rate_limited", "the guesser is blocked");
    const ann = await h.sessions.create({ userId: "ann", tenantId: "acme" });
    assert.equal((await verify(ann.token)).statusCode, 200, "a valid token from the blocked IP verifies");
    const refreshed = await h.call("POST", "/v1/sessions/refresh", { key: h.keys.acme, body: { token: ann.token, ip } });
    assert.equal(refreshed.statusCode, 200, "and refreshes");
    const clerk = await h.call("POST", `/v1/sessions/${ann.session.id}/refresh`, {
      key: h.keys.acme,
      body: { refresh_token: refreshed.json().token, request_originating_ip: ip },
    });
    assert.equal(clerk.statusCode, 200, "and buys a JWT");
    assert.equal(codeOf(await verify(madeUp(1001), h.keys.globex)), "token_invalid", "another tenant's key at that IP is not blocked");
    const bob = await h.sessions.create({ userId: "bob", tenantId: "globex" });
    assert.equal((await verify(bob.token, h.keys.globex)).statusCode, 200);
    await h.close();
  });

  it("counts spellings of one address as one, and a whole IPv6 /64 as one user", async () => {
    const h = await harness({}, { SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_IP: "4" });
    const fails = async (ip: string) => codeOf(await h.call("POST", "/v1/sessions/verify", { body: { token: BAD, ip } }));
    for (const ip of ["198.51.100.7", "::ffff:198.51.100.7", "::FFFF:198.51.100.7", "0:0:0:0:0:ffff:c633:6407"]) assert.equal(await fails(ip), "token_invalid");
    assert.equal(await fails("198.51.100.7"), "rate_limited", "four spellings of one IPv4 address count together");
    for (const ip of ["2001:db8:1:2::1", "2001:DB8:1:2::2", "2001:0db8:0001:0002:0:0:0:3", "2001:db8:1:2:ffff:ffff:ffff:ffff"])
      assert.equal(await fails(ip), "token_invalid");
    assert.equal(await fails("2001:db8:1:2:abcd::99"), "rate_limited", "any address of the blocked /64");
    assert.equal(await fails("2001:db8:1:3::1"), "token_invalid", "the next /64 is someone else");
    await h.close();
  });

  it("does not count the app server's own address, nor failures of real sessions", async () => {
    const h = await harness({}, { SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_IP: "3" });
    for (let i = 0; i < 10; i++)
      assert.equal(
        codeOf(await h.call("POST", "/v1/sessions/verify", { body: { token: BAD } })),
        "token_invalid",
        "no body ip: the socket is the app server, never limited",
      );
    const { session, token } = await h.sessions.create({ userId: "ann" });
    await h.sessions.revoke(session.id);
    for (let i = 0; i < 10; i++) assert.equal(codeOf(await h.call("POST", "/v1/sessions/verify", { body: { token, ip: "198.51.100.9" } })), "session_revoked");
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/verify", { body: { token: BAD, ip: "198.51.100.9" } })), "token_invalid");
    await h.close();
  });

  it("limits failed verifications per API key (valid tokens still pass) and requests per API key, one key at a time", async () => {
    const h = await harness({}, { SESSIOND_RATE_LIMIT_FAILED_VERIFY_PER_KEY: "3", SESSIOND_RATE_LIMIT_REQUESTS_PER_KEY: "20" });
    for (let i = 0; i < 3; i++) await h.call("POST", "/v1/sessions/verify", { key: h.keys.acme, body: { token: BAD } });
    assert.equal(codeOf(await h.call("POST", "/v1/sessions/verify", { key: h.keys.acme, body: { token: BAD } })), "rate_limited");
    const { token } = await h.sessions.create({ userId: "ann", tenantId: "acme" });
    assert.equal((await h.call("POST", "/v1/sessions/verify", { key: h.keys.acme, body: { token } })).statusCode, 200);
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
    const a = new RateLimiter(store.counters, clock, limits);
    const b = new RateLimiter(store.counters, clock, limits);
    const refused = (e: unknown) => isSessiondError(e, "rate_limited");
    for (let i = 0; i < 3; i++) assert.equal(await a.failedVerify("203.0.113.5", "k"), null);
    for (let i = 0; i < 2; i++) assert.equal(await b.failedVerify("203.0.113.5", "k"), null);
    assert.ok(refused(await b.failedVerify("203.0.113.5", "k")), "b saw the fifth failure");
    assert.equal(await a.failedVerify("203.0.113.5", "k"), null, "a has not counted since: one more failure slips through on a…");
    assert.ok(refused(await a.failedVerify("203.0.113.5", "k")), "…and then a refuses too");
    assert.equal(await a.failedVerify("203.0.113.5", "other-key"), null, "another API key's counter for the same IP is its own");
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
