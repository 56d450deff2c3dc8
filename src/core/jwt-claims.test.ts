import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "./errors.js";
import { issuerFor, jwtLifetimeSeconds, sessionClaims } from "./jwt-claims.js";
import type { Session } from "./model.js";

const NOW = Date.UTC(2026, 10, 23, 12, 0, 0);
const session: Session = {
  object: "session",
  id: "sess_0000000000000000000000000000aa",
  tenantId: "acme",
  workspaceId: null,
  userId: "ann",
  username: "Ann",
  clientId: "web",
  status: "active",
  endReason: null,
  sessionType: null,
  aud: null,
  scopes: [],
  amr: [],
  actor: null,
  lastActiveOrganizationId: null,
  ip: "192.0.2.1",
  userAgent: null,
  location: null,
  boundUserAgent: null,
  slidingExpiration: false,
  maxAgeMinutes: null,
  latestActivity: null,
  metadata: { plan: "pro" },
  createdAt: NOW - 60_000,
  updatedAt: NOW - 60_000,
  lastActiveAt: NOW - 1000,
  lastRefreshedAt: null,
  expireAt: NOW + 86_400_000,
  abandonAt: null,
  revokedAt: null,
  endedAt: null,
  isDeleted: false,
};
const base = { issuer: "https://auth.example/t/acme", nowMs: NOW, lifetimeSeconds: 60 };

describe("session JWT claims", () => {
  it("carries identity, tenant, status and times in seconds", () => {
    const claims = sessionClaims(session, base);
    assert.deepEqual(claims, {
      iss: base.issuer,
      sub: "ann",
      sid: session.id,
      tid: "acme",
      sts: "active",
      iat: NOW / 1000,
      nbf: NOW / 1000,
      exp: NOW / 1000 + 60,
    });
  });

  it("adds amr, scp, act, org_id, wid and aud only when the session has them", () => {
    const claims = sessionClaims(
      {
        ...session,
        amr: ["pwd", "otp"],
        scopes: ["read", "write"],
        actor: { sub: "admin_1" },
        lastActiveOrganizationId: "org_1",
        workspaceId: "ws_1",
        aud: "api",
      },
      base,
    );
    assert.deepEqual(
      [claims.amr, claims.scp, claims.act, claims.org_id, claims.wid, claims.aud],
      [["pwd", "otp"], "read write", { sub: "admin_1" }, "org_1", "ws_1", "api"],
    );
  });

  it("reports a pending session as sts pending", () => {
    assert.equal(sessionClaims({ ...session, status: "pending" }, base).sts, "pending");
  });

  it("never lets exp pass the session's expire_at or abandon_at", () => {
    assert.equal(sessionClaims({ ...session, expireAt: NOW + 10_500 }, { ...base, lifetimeSeconds: 3600 }).exp, NOW / 1000 + 10);
    assert.equal(sessionClaims({ ...session, abandonAt: NOW + 20_000 }, { ...base, lifetimeSeconds: 3600 }).exp, NOW / 1000 + 20);
  });

  it("copies only real session fields: a stored field list naming Object.prototype members adds nothing", () => {
    const claims = sessionClaims(session, { ...base, template: { claims: {}, sessionFields: ["constructor", "__proto__", "toString", "username"] } });
    assert.deepEqual(
      Object.keys(claims).filter((k) => !["iss", "sub", "sid", "tid", "sts", "iat", "nbf", "exp"].includes(k)),
      ["username"],
    );
  });

  it("puts template claims and chosen session fields beside the standard ones, which a template cannot override", () => {
    const claims = sessionClaims(session, {
      ...base,
      template: { claims: { role: "user", sub: "mallory" }, sessionFields: ["username", "metadata", "created_at", "country"] },
    });
    assert.equal(claims.role, "user");
    assert.equal(claims.sub, "ann");
    assert.equal(claims.username, "Ann");
    assert.deepEqual(claims.metadata, { plan: "pro" });
    assert.equal(claims.session_created_at, (NOW - 60_000) / 1000);
    assert.equal(claims.country, null);
  });

  it("accepts lifetimes of 30 to 3600 s and defaults to the template's, else 60", () => {
    assert.equal(jwtLifetimeSeconds(undefined, null), 60);
    assert.equal(jwtLifetimeSeconds(undefined, 300), 300);
    assert.equal(jwtLifetimeSeconds(30, 300), 30);
    assert.equal(jwtLifetimeSeconds(3600, null), 3600);
    for (const bad of [29, 3601, 60.5, "60", -1])
      assert.throws(
        () => jwtLifetimeSeconds(bad, null),
        (e) => isSessiondError(e, "request_invalid"),
        String(bad),
      );
  });

  it("builds one issuer per tenant under the public URL", () => {
    assert.equal(issuerFor("https://auth.example/", "acme"), "https://auth.example/t/acme");
    assert.notEqual(issuerFor("https://auth.example", "acme"), issuerFor("https://auth.example", "globex"));
  });
});
