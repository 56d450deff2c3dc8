/** Minting session JWTs, Clerk's refresh and templates, checked independently with jose against the served JWKS. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { createSessions } from "../../src/core/service.js";
import { isSessiondError } from "../../src/core/errors.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { createJwtVerifier, jwksUrlFor } from "../../src/jwt/verifier.js";
import { PUBLIC_URL, codeOf, harness, type Harness } from "../http/harness.js";

const ACME_ISSUER = `${PUBLIC_URL}/t/acme`;

describe("session JWTs over REST", () => {
  let h: Harness;
  let jwks: ReturnType<typeof createRemoteJWKSet>;
  let url: string;
  before(async () => {
    h = await harness();
    url = await h.app.listen({ port: 0, host: "127.0.0.1" });
    jwks = createRemoteJWKSet(new URL(`${url}/.well-known/jwks.json`));
  });
  after(async () => h.close());

  const create = async (body: Record<string, unknown> = {}) =>
    (await h.call("POST", "/v1/sessions", { body: { user_id: "ann", tenant_id: "acme", ...body } })).json() as { id: string; token: string };
  const mint = (id: string, body?: unknown, path = "tokens", key?: string) =>
    h.call("POST", `/v1/sessions/${id}/${path}`, { ...(body === undefined ? {} : { body }), ...(key === undefined ? {} : { key }) });

  it("mints {object:'token', jwt} that jose verifies against the JWKS with the tenant's issuer", async () => {
    const s = await create({ scopes: ["read"], amr: ["pwd"], workspace_id: "ws1", active_organization_id: "org1", aud: "api" });
    const response = await mint(s.id);
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers["content-type"], "application/json");
    const body = response.json();
    assert.deepEqual(Object.keys(body).sort(), ["jwt", "object"]);
    assert.equal(body.object, "token");
    const { payload, protectedHeader } = await jwtVerify(body.jwt, jwks, { issuer: ACME_ISSUER, audience: "api" });
    assert.equal(protectedHeader.alg, "EdDSA");
    assert.ok(protectedHeader.kid);
    assert.deepEqual(
      { sub: payload.sub, sid: payload.sid, tid: payload.tid, sts: payload.sts, amr: payload.amr, scp: payload.scp, wid: payload.wid, org_id: payload.org_id },
      { sub: "ann", sid: s.id, tid: "acme", sts: "active", amr: ["pwd"], scp: "read", wid: "ws1", org_id: "org1" },
    );
    assert.equal(payload.exp! - payload.iat!, 60, "default lifetime 60 s");
    assert.equal(payload.nbf, payload.iat);
  });

  it("passes the library's own verifier, which returns typed claims and holds apps to their tenant", async () => {
    const s = await create({ scopes: ["read"] });
    const { jwt } = (await mint(s.id)).json();
    const claims = await createJwtVerifier({ jwksUrl: jwksUrlFor(url), issuer: ACME_ISSUER }).verify(jwt);
    assert.deepEqual([claims.sub, claims.sid, claims.tid, claims.sts, claims.scp], ["ann", s.id, "acme", "active", "read"]);
    await assert.rejects(createJwtVerifier({ jwksUrl: jwksUrlFor(url), issuer: `${PUBLIC_URL}/t/globex` }).verify(jwt), (e) =>
      isSessiondError(e, "token_invalid"),
    );
  });

  it("refuses another tenant's issuer: one tenant's app never accepts another tenant's JWTs", async () => {
    const s = await create();
    const { jwt } = (await mint(s.id)).json();
    await assert.rejects(jwtVerify(jwt, jwks, { issuer: `${PUBLIC_URL}/t/globex` }), /iss/);
  });

  it("takes expires_in_seconds from 30 to 3600 and never outlives the session", async () => {
    const s = await create();
    assert.equal(decodeJwt((await mint(s.id, { expires_in_seconds: 3600 })).json().jwt).exp! - Math.floor(h.clock.now() / 1000), 3600);
    for (const bad of [29, 3601, "60"]) assert.equal(codeOf(await mint(s.id, { expires_in_seconds: bad })), "request_invalid", String(bad));
    const short = await create({ lifetime_seconds: 45 });
    const claims = decodeJwt((await mint(short.id, { expires_in_seconds: 3600 })).json().jwt);
    assert.equal(claims.exp! * 1000 <= h.clock.now() + 45_000, true);
    assert.ok(claims.exp! * 1000 > h.clock.now() + 44_000);
  });

  it("mints only for a valid session, answering the SPEC §4 code otherwise", async () => {
    const revoked = await create();
    await h.call("POST", `/v1/sessions/${revoked.id}/revoke`);
    assert.deepEqual([(await mint(revoked.id)).statusCode, codeOf(await mint(revoked.id))], [401, "session_revoked"]);
    const ended = await create();
    await h.call("POST", `/v1/sessions/${ended.id}/end`);
    assert.equal(codeOf(await mint(ended.id)), "session_ended");
    const deleted = await create();
    await h.call("DELETE", `/v1/sessions/${deleted.id}`);
    assert.equal(codeOf(await mint(deleted.id)), "token_invalid");
    const pending = await create({ pending: true });
    assert.equal(codeOf(await mint(pending.id)), "session_pending");
    assert.equal(decodeJwt((await mint(pending.id, { accept_pending: true })).json().jwt).sts, "pending");
    const bound = await create({ bind_user_agent: true, user_agent: "UA/1" });
    assert.equal(codeOf(await mint(bound.id, { user_agent: "UA/2" })), "user_agent_mismatch");
    assert.equal((await mint(bound.id, { user_agent: "UA/1" })).statusCode, 200);
    const expiring = await create({ lifetime_seconds: 60 });
    h.clock.advance(61_000);
    assert.equal(codeOf(await mint(expiring.id)), "session_expired");
    assert.equal(codeOf(await mint("sess_0000000000000000000000000000zz")), "resource_not_found");
  });

  it("shapes JWTs with the tenant's templates, managed over REST", async () => {
    const created = await h.call("POST", "/v1/jwt_templates", {
      body: {
        name: "hasura",
        tenant_id: "acme",
        claims: { role: "user", "https://hasura.io/jwt/claims": { "x-hasura-default-role": "user" } },
        session_fields: ["username", "metadata"],
        lifetime_seconds: 300,
      },
    });
    assert.equal(created.statusCode, 200, created.body);
    assert.equal(created.json().object, "jwt_template");
    assert.equal(codeOf(await h.call("POST", "/v1/jwt_templates", { body: { name: "hasura", tenant_id: "acme" } })), "conflict");
    const s = await create({ username: "Ann", metadata: { plan: "pro" } });
    const claims = decodeJwt((await mint(s.id, undefined, "tokens/hasura")).json().jwt);
    assert.deepEqual([claims.role, claims.username, claims.metadata, claims.exp! - claims.iat!], ["user", "Ann", { plan: "pro" }, 300]);
    assert.equal(claims.sub, "ann");
    assert.equal(decodeJwt((await mint(s.id, { expires_in_seconds: 30 }, "tokens/hasura")).json().jwt).exp! - Math.floor(h.clock.now() / 1000), 30);

    const patched = await h.call("PATCH", "/v1/jwt_templates/hasura", { body: { tenant_id: "acme", lifetime_seconds: null } });
    assert.deepEqual([patched.json().lifetime_seconds, patched.json().claims.role], [null, "user"]);
    assert.equal((await h.call("GET", "/v1/jwt_templates?tenant_id=acme")).json().total_count, 1);
    assert.equal((await h.call("GET", "/v1/jwt_templates/hasura", { key: h.keys.acme })).json().name, "hasura");

    // Templates are per tenant: globex neither sees acme's nor can shape its tokens with it.
    assert.equal((await h.call("GET", "/v1/jwt_templates", { key: h.keys.globex })).json().total_count, 0);
    const theirs = (await h.call("POST", "/v1/sessions", { key: h.keys.globex, body: { user_id: "bob" } })).json();
    assert.equal(codeOf(await mint(theirs.id, undefined, "tokens/hasura", h.keys.globex)), "resource_not_found");

    assert.equal(codeOf(await h.call("POST", "/v1/jwt_templates", { body: { name: "bad", claims: { sub: "mallory" } } })), "request_invalid");
    assert.equal(codeOf(await h.call("POST", "/v1/jwt_templates", { body: { name: "bad", session_fields: ["secret_hash"] } })), "request_invalid");
    assert.equal(codeOf(await h.call("POST", "/v1/jwt_templates", { body: { name: "bad", claims: { big: "x".repeat(5000) } } })), "request_invalid");
    assert.equal((await h.call("DELETE", "/v1/jwt_templates/hasura?tenant_id=acme")).json().name, "hasura");
    assert.equal(codeOf(await mint(s.id, undefined, "tokens/hasura")), "resource_not_found");
  });

  describe("Clerk refresh", () => {
    const refresh = (id: string, body: Record<string, unknown>, key?: string) =>
      h.call("POST", `/v1/sessions/${id}/refresh`, { body: { request_origin: "https://app.test", ...body }, ...(key === undefined ? {} : { key }) });

    it("trades the session token (and our expired JWT) for a fresh JWT, recording the use", async () => {
      const s = await create();
      const old = (await mint(s.id)).json().jwt;
      h.clock.advance(120_000);
      const response = await refresh(s.id, {
        refresh_token: s.token,
        expired_token: old,
        request_originating_ip: "198.51.100.7",
        request_headers: { "User-Agent": ["Browser/2"] },
        format: "token",
      });
      assert.equal(response.statusCode, 200, response.body);
      const { payload } = await jwtVerify(response.json().jwt, jwks, { issuer: ACME_ISSUER, currentDate: new Date(h.clock.now()) });
      assert.equal(payload.sid, s.id);
      const session = (await h.call("GET", `/v1/sessions/${s.id}`)).json();
      assert.equal(session.latest_activity.ip_address, "198.51.100.7", "the refresh is a use, recorded from request_originating_ip");
    });

    it("answers cookies when asked for format cookie", async () => {
      const s = await create();
      const body = (await refresh(s.id, { refresh_token: s.token, format: "cookie" })).json();
      assert.equal(body.object, "cookies");
      assert.match(body.cookies[0], /^__session=[\w-]+\.[\w-]+\.[\w-]+; Path=\/; Max-Age=60; Secure; SameSite=Lax$/);
    });

    it("refuses an expired_token that is not ours or not this session's", async () => {
      const s = await create();
      const other = await create();
      const othersJwt = (await mint(other.id)).json().jwt;
      assert.equal(codeOf(await refresh(s.id, { refresh_token: s.token, expired_token: othersJwt })), "token_invalid");
      assert.equal(codeOf(await refresh(s.id, { refresh_token: s.token, expired_token: "e30.e30.sig" })), "token_invalid");
    });

    it("applies verify's rules to the session token: wrong session, revoked, reused after its grace", async () => {
      const s = await create();
      const other = await create();
      assert.equal(codeOf(await refresh(s.id, { refresh_token: other.token })), "token_invalid");
      const rotated = (await h.call("POST", "/v1/sessions/refresh", { body: { token: s.token } })).json();
      h.clock.advance(11 * 60_000);
      assert.equal(codeOf(await refresh(s.id, { refresh_token: s.token })), "token_reused");
      assert.equal(codeOf(await refresh(s.id, { refresh_token: rotated.token })), "session_revoked", "a reuse revokes the session");
    });

    it("shows another tenant's session as not found", async () => {
      const s = await create();
      assert.equal(codeOf(await refresh(s.id, { refresh_token: s.token }, h.keys.globex)), "resource_not_found");
    });
  });
});

describe("session JWTs in the library", () => {
  it("refuses to mint without a signer", async () => {
    const sessions = createSessions({ store: memoryStore() });
    const { session } = await sessions.create({ userId: "ann" });
    await assert.rejects(sessions.mintJwt(session.id), (e) => isSessiondError(e, "signing_key_unavailable"));
  });

  it("refuses template session fields named like Object.prototype members (the REST schema's enum is not the only guard)", async () => {
    const sessions = createSessions({ store: memoryStore() });
    for (const inherited of ["constructor", "__proto__", "toString", "hasOwnProperty"])
      await assert.rejects(sessions.templates.put("acme", "bad", { sessionFields: [inherited] }), (e) => isSessiondError(e, "request_invalid"), inherited);
  });
});
