import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "./errors.js";
import type { SessionRecord } from "./model.js";
import { DEFAULT_SETTINGS } from "./defaults.js";
import { resolvePolicy, sessionLifetimes, validateTenantPolicy } from "./policy.js";
import { activityDue, judge } from "./verdict.js";
import { effectiveStatus, expireAtFor } from "./deadlines.js";

const MIN = 60_000;
const base = { startedAt: 0, lifetimeMs: 60 * MIN, maxLifetimeMs: 120 * MIN, maxAgeMinutes: null, slidingExpiration: false, inactivityTimeoutMs: null };

describe("deadlines", () => {
  it("takes the smallest of lifetime, max lifetime and max age, sliding from the latest activity", () => {
    assert.equal(expireAtFor(base, 50 * MIN), 60 * MIN);
    assert.equal(expireAtFor({ ...base, slidingExpiration: true }, 30 * MIN), 90 * MIN);
    assert.equal(expireAtFor({ ...base, slidingExpiration: true }, 100 * MIN), 120 * MIN);
    assert.equal(expireAtFor({ ...base, maxAgeMinutes: 10 }, 0), 10 * MIN);
  });
});

describe("effective status", () => {
  const live = { status: "active" as const, expireAt: 100, abandonAt: 50 };
  it("reads the earlier passed deadline, ties as expired, and never changes a terminal status", () => {
    assert.equal(effectiveStatus(live, 49), "active");
    assert.equal(effectiveStatus(live, 50), "abandoned");
    assert.equal(effectiveStatus(live, 150), "abandoned");
    assert.equal(effectiveStatus({ ...live, abandonAt: 200 }, 100), "expired");
    assert.equal(effectiveStatus({ ...live, abandonAt: 100 }, 100), "expired");
    assert.equal(effectiveStatus({ ...live, abandonAt: null }, 100), "expired");
    assert.equal(effectiveStatus({ ...live, status: "revoked" }, 150), "revoked");
    assert.equal(effectiveStatus({ ...live, status: "pending" }, 10), "pending");
  });
});

describe("verdicts", () => {
  const record = {
    status: "active",
    expireAt: 1000,
    abandonAt: null,
    boundUserAgent: "UA",
    aud: "a",
    lastActiveAt: 0,
    inactivityTimeoutMs: null,
    latestActivity: null,
  } as unknown as SessionRecord;
  it("checks status, then pending, then user agent, then audience", () => {
    assert.deepEqual(judge({ ...record, status: "pending", boundUserAgent: null } as SessionRecord, {}, 0, 60_000), { valid: false, code: "session_pending" });
    assert.deepEqual(judge(record, { userAgent: "UA", aud: "a" }, 1000, 60_000), { valid: false, code: "session_expired" });
    assert.deepEqual(judge({ ...record, status: "replaced" } as SessionRecord, {}, 0, 60_000), { valid: false, code: "session_replaced" });
    assert.deepEqual(judge(record, { aud: "b" }, 0, 60_000), { valid: false, code: "user_agent_mismatch" });
    assert.deepEqual(judge(record, { userAgent: "UA", aud: "b" }, 0, 60_000), { valid: false, code: "audience_mismatch" });
    assert.equal(judge(record, { userAgent: "UA" }, 0, 60_000).valid, true);
  });

  it("records activity every min(resolution, inactivity/4) or on an IP or UA change", () => {
    const s = { lastActiveAt: 0, inactivityTimeoutMs: 40_000, latestActivity: { ipAddress: "1.1.1.1", userAgent: "UA" } } as unknown as SessionRecord;
    assert.equal(activityDue(s, { ip: "1.1.1.1", userAgent: "UA" }, 9_999, 60_000), false);
    assert.equal(activityDue(s, { ip: "1.1.1.1", userAgent: "UA" }, 10_000, 60_000), true);
    assert.equal(activityDue({ ...s, inactivityTimeoutMs: null }, {}, 59_999, 60_000), false);
    assert.equal(activityDue(s, { ip: "8.8.8.8" }, 1, 60_000), true);
    assert.equal(activityDue(s, { userAgent: "UA2" }, 1, 60_000), true);
  });
});

describe("policy", () => {
  it("overrides deployment defaults with a tenant's fields; null turns a feature off", () => {
    const p = resolvePolicy({ ...DEFAULT_SETTINGS, inactivityTimeoutMs: 5 }, { lifetimeMs: 7, inactivityTimeoutMs: null });
    assert.equal(p.lifetimeMs, 7);
    assert.equal(p.inactivityTimeoutMs, null);
    assert.equal(p.maxLifetimeMs, DEFAULT_SETTINGS.maxLifetimeMs);
  });

  it("refuses unknown, mistyped and non-positive policy fields", () => {
    const fails = (p: object, code: string) =>
      assert.throws(
        () => validateTenantPolicy(p),
        (e) => isSessiondError(e) && e.code === code,
      );
    fails({ nope: 1 }, "request_invalid");
    fails({ lifetimeMs: null }, "request_invalid");
    fails({ bindUserAgent: "yes" }, "request_invalid");
    fails({ lifetimeMs: 0 }, "policy_out_of_bounds");
    fails({ maxSessionsPerUser: 1.5 }, "policy_out_of_bounds");
    assert.deepEqual(validateTenantPolicy({ maxSessionsPerUser: null, bindUserAgent: true }), { maxSessionsPerUser: null, bindUserAgent: true });
  });

  it("caps the default lifetime at the tenant's max lifetime but refuses a larger explicit one", () => {
    const policy = resolvePolicy(DEFAULT_SETTINGS, { lifetimeMs: 200 * MIN, maxLifetimeMs: 100 * MIN });
    assert.equal(sessionLifetimes(policy, {}, null).lifetimeMs, 100 * MIN);
    assert.throws(
      () => sessionLifetimes(policy, { lifetimeMs: 101 * MIN }, null),
      (e) => isSessiondError(e, "policy_out_of_bounds"),
    );
  });
});
