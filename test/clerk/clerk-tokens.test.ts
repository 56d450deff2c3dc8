/**
 * SPEC §5 "Clerk compatibility", session JWTs: the official @clerk/backend SDK's `getToken`
 * (with and without a template) and `refreshSession` (format token and cookie) against the real
 * `sessiond serve`; every JWT is checked against the server's JWKS and the tenant's issuer.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createClerkClient } from "@clerk/backend";
import { decodeProtectedHeader } from "jose";
import { type ClerkEnvironment, IPHONE_UA, ROOT_KEY, UNKNOWN_SESSION_ID, assertSdkResource, clerkError, startClerkEnvironment } from "./support.js";

const ORIGIN = "https://app.example";

describe("@clerk/backend SDK against sessiond serve: session JWTs", () => {
  let env: ClerkEnvironment;
  before(async () => {
    env = await startClerkEnvironment();
    const template = await env.server.request("POST", "/v1/jwt_templates", ROOT_KEY, {
      name: "billing",
      claims: { app: "billing", tier: 3 },
      session_fields: ["client_id"],
      lifetime_seconds: 300,
    });
    assert.equal(template.status, 200, JSON.stringify(template.body));
  });
  after(() => env.stop());

  /** Verifies a session JWT (signature, issuer, time) and checks it names this session. */
  const assertSessionJwt = async (jwt: string, session: { id: string; userId: string }, tenantId = "default") => {
    const header = decodeProtectedHeader(jwt);
    assert.ok(header.alg === "EdDSA" || header.alg === "ES256", `asymmetric alg, got ${header.alg}`);
    assert.equal(typeof header.kid, "string");
    const { payload } = await env.verifyJwt(jwt, tenantId);
    assert.equal(payload.iss, `${env.url}/t/${tenantId}`);
    assert.equal(payload.sub, session.userId);
    assert.equal(payload.sid, session.id);
    assert.equal(payload.tid, tenantId);
    assert.equal(payload.sts, "active");
    assert.ok(payload.nbf !== undefined && payload.iat !== undefined && payload.nbf <= payload.iat);
    return payload as Required<typeof payload> & Record<string, unknown>;
  };

  it("getToken posts no body and returns an SDK Token holding a 60 s session JWT", async () => {
    const { session } = await env.signIn({ userId: "user_ann" });
    const token = await env.tapped.sessions.getToken(session.id);
    const exchange = env.tap.last();
    assert.equal(exchange.method, "POST");
    assert.equal(exchange.path, `/v1/sessions/${session.id}/tokens`);
    assert.equal(exchange.requestHeaders["content-type"], "application/json");
    assert.equal(exchange.requestBody, "");
    assert.equal(exchange.responseHeaders["content-type"], "application/json");
    assert.equal(JSON.parse(exchange.responseBody).object, "token");
    assertSdkResource(token, "Token");
    assert.deepEqual(Object.keys(token), ["jwt"]);
    const claims = await assertSessionJwt(token.jwt, session);
    assert.equal(claims.exp - claims.iat, 60);
  });

  it("getToken with expiresInSeconds sends expires_in_seconds and the JWT lives that long; out of range → 400", async () => {
    const { session } = await env.signIn({ userId: "user_bob" });
    const token = await env.tapped.sessions.getToken(session.id, undefined, 120);
    assert.deepEqual(JSON.parse(env.tap.last().requestBody), { expires_in_seconds: 120 });
    const claims = await assertSessionJwt(token.jwt, session);
    assert.equal(claims.exp - claims.iat, 120);
    await clerkError(env.clerk.sessions.getToken(session.id, undefined, 5), 400, "request_invalid");
  });

  it("getToken with a template adds its claims and session fields and uses its lifetime", async () => {
    const { session } = await env.signIn({ userId: "user_cat" });
    const token = await env.tapped.sessions.getToken(session.id, "billing");
    assert.equal(env.tap.last().path, `/v1/sessions/${session.id}/tokens/billing`);
    assertSdkResource(token, "Token");
    const claims = await assertSessionJwt(token.jwt, session);
    assert.equal(claims.app, "billing");
    assert.equal(claims.tier, 3);
    assert.equal(claims.client_id, session.clientId);
    assert.equal(claims.exp - claims.iat, 300);
    const shorter = await assertSessionJwt((await env.clerk.sessions.getToken(session.id, "billing", 90)).jwt, session);
    assert.equal(shorter.exp - shorter.iat, 90);
    assert.equal(shorter.app, "billing");
    await clerkError(env.clerk.sessions.getToken(session.id, "no-such-template"), 404, "resource_not_found");
  });

  it("getToken of a revoked session → 401 session_revoked; of an unknown session → 404", async () => {
    const { session } = await env.signIn({ userId: "user_dan" });
    await env.clerk.sessions.revokeSession(session.id);
    await clerkError(env.clerk.sessions.getToken(session.id), 401, "session_revoked");
    await clerkError(env.clerk.sessions.getToken(session.id, "billing"), 401, "session_revoked");
    await clerkError(env.clerk.sessions.getToken(UNKNOWN_SESSION_ID), 404, "resource_not_found");
  });

  it("a tenant key's JWTs carry that tenant's issuer and fail another tenant's issuer check", async () => {
    const key = (await env.server.request("POST", "/v1/keys", ROOT_KEY, { tenant_id: "acme" })).body.key as string;
    const acme = createClerkClient({ secretKey: key, apiUrl: env.url }).sessions;
    const session = await acme.createSession({ userId: "user_acme" });
    const { jwt } = await acme.getToken(session.id);
    await assertSessionJwt(jwt, session, "acme");
    await assert.rejects(env.verifyJwt(jwt, "default"), { code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "iss" });
  });

  it("refreshSession (format token) sends Clerk's fields and returns a fresh Token; the session token keeps working", async () => {
    const { session, token } = await env.signIn({ userId: "user_eve" });
    const previous = await env.clerk.sessions.getToken(session.id);
    const refreshed = await env.tapped.sessions.refreshSession(session.id, {
      expired_token: previous.jwt,
      refresh_token: token,
      request_origin: ORIGIN,
      request_originating_ip: "203.0.113.7",
      request_headers: { "User-Agent": [IPHONE_UA], Origin: [ORIGIN] },
      suffixed_cookies: true,
      format: "token",
    });
    const exchange = env.tap.last();
    assert.equal(exchange.path, `/v1/sessions/${session.id}/refresh`);
    assert.equal(exchange.query.get("suffixed_cookies"), "true");
    assert.deepEqual(Object.keys(JSON.parse(exchange.requestBody)).sort(), [
      "expired_token",
      "format",
      "refresh_token",
      "request_headers",
      "request_origin",
      "request_originating_ip",
    ]);
    assert.equal(exchange.status, 200);
    assertSdkResource(refreshed, "Token");
    const before = await assertSessionJwt(previous.jwt, session);
    const claims = await assertSessionJwt(refreshed.jwt, session);
    assert.ok(claims.iat >= before.iat, "minted now (EdDSA is deterministic: within the same second it may equal the previous JWT)");
    assert.equal(claims.exp - claims.iat, 60);
    assert.equal(
      (await env.clerk.sessions.verifySession(session.id, token)).status,
      "active",
      "the answer carries no new session token, so the old one stays valid",
    );
  });

  it("refreshSession without a format answers a Token", async () => {
    const { session, token } = await env.signIn({ userId: "user_fay" });
    const previous = await env.clerk.sessions.getToken(session.id);
    const refreshed = await env.clerk.sessions.refreshSession(session.id, { expired_token: previous.jwt, refresh_token: token, request_origin: ORIGIN });
    assertSdkResource(refreshed, "Token");
    await assertSessionJwt(refreshed.jwt, session);
  });

  it("refreshSession with format cookie answers SDK Cookies whose __session cookie is a JWT of the session", async () => {
    const { session, token } = await env.signIn({ userId: "user_gus" });
    const previous = await env.clerk.sessions.getToken(session.id);
    const cookies = await env.tapped.sessions.refreshSession(session.id, {
      expired_token: previous.jwt,
      refresh_token: token,
      request_origin: ORIGIN,
      format: "cookie",
    });
    assert.equal(JSON.parse(env.tap.last().responseBody).object, "cookies");
    assertSdkResource(cookies, "Cookies");
    assert.ok(Array.isArray(cookies.cookies));
    const sessionCookie = cookies.cookies.find((c) => c.startsWith("__session="));
    assert.ok(sessionCookie, `a __session cookie among ${JSON.stringify(cookies.cookies)}`);
    await assertSessionJwt(sessionCookie.slice("__session=".length).split(";")[0]!, session);
  });

  it("refreshSession with an empty expired_token (the SDK's field is required) mints from the session token alone", async () => {
    const { session, token } = await env.signIn({ userId: "user_hal" });
    // The SDK's own handshake sends `expired_token: expiredSessionToken || ""`; SPEC §5 checks expired_token only "when given".
    const refreshed = await env.clerk.sessions
      .refreshSession(session.id, { expired_token: "", refresh_token: token, request_origin: ORIGIN })
      .catch((error: unknown) => {
        const { status, errors } = error as { status?: number; errors?: { code: string }[] };
        return assert.fail(`an empty expired_token was refused: ${status} ${errors?.[0]?.code}`);
      });
    await assertSessionJwt(refreshed.jwt, session);
  });

  it("refreshSession refuses a revoked session, a wrong refresh token and another session's tokens", async () => {
    const mine = await env.signIn({ userId: "user_ivy" });
    const theirs = await env.signIn({ userId: "user_jon" });
    const myJwt = (await env.clerk.sessions.getToken(mine.session.id)).jwt;
    const theirJwt = (await env.clerk.sessions.getToken(theirs.session.id)).jwt;
    const refresh = (params: { expired_token: string; refresh_token: string }) =>
      env.clerk.sessions.refreshSession(mine.session.id, { ...params, request_origin: ORIGIN });

    await clerkError(refresh({ expired_token: myJwt, refresh_token: "not-a-token" }), 401, "token_invalid");
    await clerkError(refresh({ expired_token: myJwt, refresh_token: theirs.token }), 401, "token_invalid");
    await clerkError(refresh({ expired_token: theirJwt, refresh_token: mine.token }), 401, "token_invalid");
    await clerkError(refresh({ expired_token: "not.a.jwt", refresh_token: mine.token }), 401, "token_invalid");
    await env.clerk.sessions.revokeSession(mine.session.id);
    await clerkError(refresh({ expired_token: myJwt, refresh_token: mine.token }), 401, "session_revoked");
  });
});
