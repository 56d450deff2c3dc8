/**
 * SPEC §5 "Clerk compatibility": the official @clerk/backend SDK, unchanged, against the real
 * `sessiond serve`. Every sessions method the SPEC names is called through the SDK; the tap
 * shows the wire. Token minting and the Clerk refresh are in clerk-tokens.test.ts.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type Session, createClerkClient } from "@clerk/backend";
import type { WireBody } from "../support/wire-body.js";
import { type ClerkEnvironment, IPHONE_UA, ROOT_KEY, UNKNOWN_SESSION_ID, assertSdkResource, clerkError, startClerkEnvironment } from "./support.js";

/** The SDK's Session holds exactly these fields (its constructor's parameters). */
const SESSION_FIELDS = [
  "abandonAt",
  "actor",
  "clientId",
  "createdAt",
  "expireAt",
  "id",
  "lastActiveAt",
  "lastActiveOrganizationId",
  "latestActivity",
  "status",
  "updatedAt",
  "userId",
];

/** Each SDK Session field equals the wire field it comes from. */
function assertMapped(session: Session, wire: Record<string, WireBody>): void {
  assertSdkResource(session, "Session");
  assert.deepEqual(Object.keys(session).sort(), SESSION_FIELDS);
  assert.equal(wire.object, "session");
  assert.equal(session.id, wire.id);
  assert.equal(session.clientId, wire.client_id);
  assert.equal(session.userId, wire.user_id);
  assert.equal(session.status, wire.status);
  for (const [field, key] of [
    ["lastActiveAt", "last_active_at"],
    ["expireAt", "expire_at"],
    ["createdAt", "created_at"],
    ["updatedAt", "updated_at"],
  ] as const) {
    assert.equal(typeof session[field], "number", `${field} is epoch ms`);
    assert.equal(session[field], wire[key]);
  }
  assert.equal(session.abandonAt, wire.abandon_at);
  assert.equal(session.lastActiveOrganizationId, wire.last_active_organization_id);
  assert.deepEqual(session.actor, wire.actor);
  const activity = wire.latest_activity;
  assertSdkResource(session.latestActivity, "SessionActivity");
  assert.deepEqual(
    { ...session.latestActivity },
    {
      id: activity.id,
      isMobile: activity.is_mobile,
      ipAddress: activity.ip_address,
      city: activity.city,
      country: activity.country,
      browserVersion: activity.browser_version,
      browserName: activity.browser_name,
      deviceType: activity.device_type,
    },
  );
}

describe("@clerk/backend SDK against sessiond serve: sessions", () => {
  let env: ClerkEnvironment;
  before(async () => (env = await startClerkEnvironment()));
  after(() => env.stop());
  const signIn: ClerkEnvironment["signIn"] = (params) => env.signIn(params);

  it("createSession posts {user_id} and returns an SDK Session mapped field by field", async () => {
    const { session, wire, token } = await signIn({ userId: "user_ann" });
    const exchange = env.tap.last();
    assert.equal(exchange.method, "POST");
    assert.equal(exchange.path, "/v1/sessions");
    assert.equal(exchange.requestHeaders["content-type"], "application/json");
    assert.deepEqual(JSON.parse(exchange.requestBody), { user_id: "user_ann" });
    assert.equal(exchange.status, 200);
    assert.equal(exchange.responseHeaders["content-type"], "application/json", "exactly, or the SDK would not parse the body");

    assertMapped(session, wire);
    assert.equal(session.userId, "user_ann");
    assert.equal(session.status, "active");
    assert.match(session.id, /^sess_/);
    assert.match(session.clientId, /^client_/);
    assert.ok(session.expireAt > session.createdAt);
    assert.equal(session.abandonAt, null, "no inactivity timeout by default");
    assert.equal(session.actor, null);
    assert.equal(session.lastActiveOrganizationId, null);
    assert.equal(session.latestActivity?.ipAddress, "127.0.0.1");
    assert.match(token, /^sess_/, "the wire carries the session token once");
    assert.equal("token" in session, false, "the SDK's Session has no token field");
  });

  // The SDK's CreateSessionParams names only userId, but it snake-cases and sends whatever it is given:
  // sessiond's other create fields pass through a spread (an object literal would fail the excess-property check).
  it("createSession with sessiond's extra fields: actor, organization, abandonAt and device are mapped", async () => {
    const extras = {
      sessionType: "impersonation",
      actor: { sub: "user_admin" },
      activeOrganizationId: "org_1",
      inactivityTimeoutSeconds: 3600,
      ip: "8.8.8.8",
      userAgent: IPHONE_UA,
    };
    const { session, wire } = await signIn({ userId: "user_bob", ...extras });
    assert.deepEqual(Object.keys(JSON.parse(env.tap.last().requestBody)).sort(), [
      "active_organization_id",
      "actor",
      "inactivity_timeout_seconds",
      "ip",
      "session_type",
      "user_agent",
      "user_id",
    ]);
    assertMapped(session, wire);
    assert.deepEqual(session.actor, { sub: "user_admin" });
    assert.equal(session.lastActiveOrganizationId, "org_1");
    assert.equal(session.abandonAt, session.lastActiveAt + 3_600_000);
    const activity = session.latestActivity!;
    assert.equal(activity.ipAddress, "8.8.8.8");
    assert.equal(activity.isMobile, true);
    assert.equal(activity.deviceType, "mobile");
    assert.match(activity.browserName ?? "", /Safari/);
    assert.equal(activity.browserVersion, "17.4");
    assert.match(activity.country ?? "", /^[A-Z]{2}$/, "bundled geo-IP places a public address");
  });

  it("getSession returns the same session as an SDK Session", async () => {
    const { session } = await signIn({ userId: "user_cat", ...{ activeOrganizationId: "org_9" } });
    const read = await env.tapped.sessions.getSession(session.id);
    const exchange = env.tap.last();
    assert.equal(exchange.method, "GET");
    assert.equal(exchange.path, `/v1/sessions/${session.id}`);
    assertMapped(read, JSON.parse(exchange.responseBody));
    assert.deepEqual({ ...read, latestActivity: { ...read.latestActivity } }, { ...session, latestActivity: { ...session.latestActivity } });
  });

  it("getSessionList sends paginated=true and returns {data, totalCount}, newest first, with limit and offset", async () => {
    const client = { clientId: "client_shared_laptop" };
    const created: Session[] = [];
    for (let i = 0; i < 3; i++) created.push((await signIn({ userId: "user_list", ...client })).session);
    const newestFirst = created.map((s) => s.id).reverse();

    const page = await env.tapped.sessions.getSessionList({ userId: "user_list", limit: 2 });
    const exchange = env.tap.last();
    assert.equal(exchange.query.get("paginated"), "true");
    assert.equal(exchange.query.get("user_id"), "user_list");
    assert.equal(exchange.query.get("limit"), "2");
    assert.equal(exchange.responseHeaders["content-type"], "application/json");
    const wire = JSON.parse(exchange.responseBody);
    assert.equal(wire.total_count, 3);
    assert.deepEqual(Object.keys(page).sort(), ["data", "totalCount"]);
    assert.equal(page.totalCount, 3);
    assert.deepEqual(
      page.data.map((s) => s.id),
      newestFirst.slice(0, 2),
    );
    for (const [i, s] of page.data.entries()) assertMapped(s, wire.data[i]);
    assert.equal(Object.getPrototypeOf(page.data[0]), Object.getPrototypeOf(created[0]), "one SDK Session class for every method");

    const rest = await env.clerk.sessions.getSessionList({ userId: "user_list", limit: 2, offset: 2 });
    assert.equal(rest.totalCount, 3);
    assert.deepEqual(
      rest.data.map((s) => s.id),
      newestFirst.slice(2),
    );

    const byClient = await env.clerk.sessions.getSessionList({ clientId: "client_shared_laptop" });
    assert.deepEqual(
      byClient.data.map((s) => s.id),
      newestFirst,
    );
    assert.deepEqual(await env.clerk.sessions.getSessionList({ userId: "user_nobody" }), { data: [], totalCount: 0 });
  });

  it("getSessionList filters by status", async () => {
    const [a, b] = [(await signIn({ userId: "user_status" })).session, (await signIn({ userId: "user_status" })).session];
    await env.clerk.sessions.revokeSession(a.id);
    const revoked = await env.clerk.sessions.getSessionList({ userId: "user_status", status: "revoked" });
    assert.deepEqual([revoked.totalCount, revoked.data.map((s) => s.id)], [1, [a.id]]);
    const active = await env.clerk.sessions.getSessionList({ userId: "user_status", status: "active" });
    assert.deepEqual([active.totalCount, active.data.map((s) => s.id)], [1, [b.id]]);
  });

  it("revokeSession posts an empty JSON body and returns the revoked Session; repeating it answers the same", async () => {
    const { session } = await signIn({ userId: "user_dan" });
    const revoked = await env.tapped.sessions.revokeSession(session.id);
    const exchange = env.tap.last();
    assert.equal(exchange.path, `/v1/sessions/${session.id}/revoke`);
    assert.equal(exchange.requestHeaders["content-type"], "application/json");
    assert.equal(exchange.requestBody, "", "the SDK sends no body");
    assert.equal(exchange.status, 200);
    assertMapped(revoked, JSON.parse(exchange.responseBody));
    assert.equal(revoked.status, "revoked");
    assert.ok(revoked.updatedAt >= session.updatedAt);
    assert.equal((await env.clerk.sessions.revokeSession(session.id)).status, "revoked");
    assert.equal((await env.clerk.sessions.getSession(session.id)).status, "revoked");
  });

  it("verifySession accepts the session's token and returns the Session", async () => {
    const { session, token } = await signIn({ userId: "user_eve" });
    const verified = await env.tapped.sessions.verifySession(session.id, token);
    const exchange = env.tap.last();
    assert.equal(exchange.path, `/v1/sessions/${session.id}/verify`);
    assert.deepEqual(JSON.parse(exchange.requestBody), { token });
    assertMapped(verified, JSON.parse(exchange.responseBody));
    assert.equal(verified.id, session.id);
    assert.equal(verified.status, "active");
    assert.ok(verified.lastActiveAt >= session.lastActiveAt);
  });

  it("verifySession of a revoked session → 401 session_revoked", async () => {
    const { session, token } = await signIn({ userId: "user_fay" });
    await env.clerk.sessions.revokeSession(session.id);
    await clerkError(env.clerk.sessions.verifySession(session.id, token), 401, "session_revoked");
  });

  it("verifySession of a pending session → 401 session_pending", async () => {
    const { session, token } = await signIn({ userId: "user_pam", ...{ pending: true } });
    assert.equal(session.status, "pending");
    await clerkError(env.clerk.sessions.verifySession(session.id, token), 401, "session_pending");
    await clerkError(env.clerk.sessions.getToken(session.id), 401, "session_pending");
  });

  it("verifySession with a wrong, foreign or mismatched token → 401 token_invalid", async () => {
    const mine = await signIn({ userId: "user_gus" });
    const theirs = await signIn({ userId: "user_hal" });
    await clerkError(env.clerk.sessions.verifySession(mine.session.id, theirs.token), 401, "token_invalid");
    await clerkError(env.clerk.sessions.verifySession(mine.session.id, "not-a-token"), 401, "token_invalid");
    await clerkError(env.clerk.sessions.verifySession(UNKNOWN_SESSION_ID, mine.token), 401, "token_invalid");
  });

  it("errors come back as ClerkAPIResponseError with status, code and the body's clerk_trace_id", async () => {
    const notFound = await clerkError(env.tapped.sessions.getSession(UNKNOWN_SESSION_ID), 404, "resource_not_found");
    const exchange = env.tap.last();
    assert.equal(exchange.responseHeaders["content-type"], "application/json");
    assert.equal(notFound.clerkTraceId, JSON.parse(exchange.responseBody).clerk_trace_id);
    await clerkError(env.clerk.sessions.revokeSession(UNKNOWN_SESSION_ID), 404, "resource_not_found");
    await clerkError(env.clerk.sessions.getSession("sess_not-an-id"), 400, "request_invalid");
    await clerkError(env.clerk.sessions.getSessionList({ userId: "user_ann", limit: 501 }), 400, "request_invalid");
  });

  it("a wrong secret key → 401 api_key_invalid on every method", async () => {
    const { session, token } = await signIn({ userId: "user_ivy" });
    const stranger = createClerkClient({ secretKey: "sk_test_not_a_sessiond_key", apiUrl: env.url }).sessions;
    await clerkError(stranger.getSessionList({ userId: "user_ivy" }), 401, "api_key_invalid");
    await clerkError(stranger.getSession(session.id), 401, "api_key_invalid");
    await clerkError(stranger.createSession({ userId: "user_ivy" }), 401, "api_key_invalid");
    await clerkError(stranger.revokeSession(session.id), 401, "api_key_invalid");
    await clerkError(stranger.verifySession(session.id, token), 401, "api_key_invalid");
    await clerkError(stranger.getToken(session.id), 401, "api_key_invalid");
    await clerkError(
      stranger.refreshSession(session.id, { expired_token: "", refresh_token: token, request_origin: "https://app.example" }),
      401,
      "api_key_invalid",
    );
    assert.equal((await env.clerk.sessions.getSession(session.id)).status, "active", "nothing happened to the session");
  });

  it("a tenant key works through the SDK and cannot see another tenant's sessions (404)", async () => {
    const key = (await env.server.request("POST", "/v1/keys", ROOT_KEY, { tenant_id: "acme" })).body.key as string;
    const acme = createClerkClient({ secretKey: key, apiUrl: env.url }).sessions;
    const own = await acme.createSession({ userId: "user_acme" });
    assert.equal((await acme.getSession(own.id)).userId, "user_acme");
    assert.deepEqual(
      (await acme.getSessionList({ userId: "user_acme" })).data.map((s) => s.id),
      [own.id],
    );
    const other = await env.clerk.sessions.createSession({ userId: "user_acme" });
    await clerkError(acme.getSession(other.id), 404, "resource_not_found");
    await clerkError(acme.revokeSession(other.id), 404, "resource_not_found");
    assert.equal((await acme.getSessionList({ userId: "user_acme" })).totalCount, 1, "default tenant's session is not listed");
  });
});
