import assert from "node:assert/strict";
import { after, afterEach, before, describe, test } from "node:test";
import { createJwtVerifier, jwksUrlFor } from "../../src/jwt/verifier.js";
import type { SessiondAuthOptions } from "../../src/middleware/authenticate.js";
import { claimsFor, deadUrl, signJwt, tenantIssuer, testKey } from "./jwks-server.js";
import { CLIENT_IP, FRAMEWORKS, type RunningApp, type World, getMe, world } from "./support.js";

let w: World;
before(async () => {
  w = await world();
});
after(() => w.close());

for (const framework of FRAMEWORKS) {
  describe(`${framework.name} middleware`, () => {
    const running: RunningApp[] = [];
    const start = async (overrides: Partial<SessiondAuthOptions> = {}) => {
      const app = await framework.start(w.options(overrides));
      running.push(app);
      return app;
    };
    afterEach(async () => {
      await Promise.all(running.splice(0).map((app) => app.close()));
    });
    const cookieFor = async (userId = "u1") => `__Host-sessiond=${(await w.h.sessions.create({ userId, tenantId: "acme" })).token}`;

    test("a session cookie is verified by sessiond and names the user", async () => {
      const app = await start();
      const { status, auth } = await getMe(app, { cookie: `theme=dark; ${await cookieFor()}` });
      assert.equal(status, 200);
      assert.equal(auth?.kind, "session");
      assert.equal(auth?.userId, "u1");
      assert.equal(auth?.tenantId, "acme");
    });

    test("a revoked session's cookie answers 401 session_revoked as JSON", async () => {
      const app = await start();
      const { session, token } = await w.h.sessions.create({ userId: "u1", tenantId: "acme" });
      await w.h.sessions.revoke(session.id);
      const response = await getMe(app, { cookie: `__Host-sessiond=${token}` });
      assert.deepEqual([response.status, response.code, response.contentType], [401, "session_revoked", "application/json"]);
    });

    test("a malformed cookie answers 401 token_invalid", async () => {
      const app = await start();
      assert.deepEqual(await getMe(app, { cookie: "__Host-sessiond=not-a-token" }).then((r) => [r.status, r.code]), [401, "token_invalid"]);
    });

    test("no credentials answer 401; an optional route goes on unauthenticated", async () => {
      assert.deepEqual(await getMe(await start()).then((r) => [r.status, r.code, r.contentType]), [401, "token_invalid", "application/json"]);
      assert.deepEqual(await getMe(await start({ optional: true })).then((r) => [r.status, r.auth]), [200, null]);
    });

    test("on an optional route a revoked cookie is a visitor, not an error", async () => {
      const { session, token } = await w.h.sessions.create({ userId: "u1", tenantId: "acme" });
      await w.h.sessions.revoke(session.id);
      assert.deepEqual(await getMe(await start({ optional: true }), { cookie: `__Host-sessiond=${token}` }).then((r) => [r.status, r.auth]), [200, null]);
    });

    test("a session token as bearer is verified like the cookie", async () => {
      const { token } = await w.h.sessions.create({ userId: "u2", tenantId: "acme" });
      const { status, auth } = await getMe(await start(), { authorization: `Bearer ${token}` });
      assert.deepEqual([status, auth?.kind, auth?.userId], [200, "session", "u2"]);
    });

    test("a JWT of the app's tenant is verified locally", async () => {
      const jwt = await signJwt(w.key, claimsFor(w.issuer, "acme", { sub: "u3" }));
      // sessiond is unreachable here: a JWT must not need it.
      const { status, auth } = await getMe(await start({ sessiondUrl: await deadUrl() }), { authorization: `Bearer ${jwt}` });
      assert.deepEqual([status, auth?.kind, auth?.userId, auth?.tenantId], [200, "jwt", "u3", "acme"]);
    });

    test("another tenant's JWT answers 401 token_invalid, on an optional route too", async () => {
      const jwt = await signJwt(w.key, claimsFor(tenantIssuer(w.jwks, "globex"), "globex"));
      for (const optional of [false, true])
        assert.deepEqual(await getMe(await start({ optional }), { authorization: `Bearer ${jwt}` }).then((r) => [r.status, r.code]), [401, "token_invalid"]);
    });

    test("a JWT from a key outside the JWKS answers 401", async () => {
      const jwt = await signJwt(await testKey("stranger"), claimsFor(w.issuer, "acme"));
      assert.deepEqual(await getMe(await start(), { authorization: `Bearer ${jwt}` }).then((r) => [r.status, r.code]), [401, "token_invalid"]);
    });

    test("sessiond unreachable answers 503 store_unavailable, even on an optional route", async () => {
      for (const optional of [false, true]) {
        const app = await start({ sessiondUrl: await deadUrl(), optional });
        assert.deepEqual(await getMe(app, { cookie: await cookieFor() }).then((r) => [r.status, r.code, r.contentType]), [
          503,
          "store_unavailable",
          "application/json",
        ]);
      }
    });

    test("sessiond records the socket's address, or behind trusted proxies the X-Forwarded-For entry they vouch for, never a forged leftmost one", async () => {
      const seenIp = async (trustProxy: boolean | number, forwardedFor: string) => {
        const { session, token } = await w.h.sessions.create({ userId: "u1", tenantId: "acme" });
        await getMe(await start({ trustProxy }), { cookie: `__Host-sessiond=${token}`, "x-forwarded-for": forwardedFor });
        return (await w.h.sessions.get(session.id)).latestActivity?.ipAddress;
      };
      assert.equal(await seenIp(false, "203.0.113.7"), CLIENT_IP);
      assert.equal(await seenIp(true, "6.6.6.6, 203.0.113.7"), "203.0.113.7");
      assert.equal(await seenIp(2, "6.6.6.6, 203.0.113.7, 10.0.0.1"), "203.0.113.7");
    });

    test("sessiond's 429 reaches the user as 429 with Retry-After, and a valid cookie from the blocked address still passes", async () => {
      const ip = `198.51.100.${FRAMEWORKS.indexOf(framework) + 10}`;
      const madeUp = `sess_${"0".repeat(30)}.${"A".repeat(43)}`;
      for (let i = 0; i < 60; i++) await w.h.call("POST", "/v1/sessions/verify", { key: w.h.keys.acme, body: { token: madeUp, ip } }); // the default limit
      const app = await start({ trustProxy: 1 });
      const blocked = await getMe(app, { cookie: `__Host-sessiond=${madeUp}`, "x-forwarded-for": ip });
      assert.deepEqual([blocked.status, blocked.code, blocked.contentType], [429, "rate_limited", "application/json"]);
      assert.ok(Number(blocked.retryAfter) >= 1 && Number(blocked.retryAfter) <= 60, `Retry-After ${blocked.retryAfter}`);
      assert.equal((await getMe(app, { cookie: await cookieFor(), "x-forwarded-for": ip })).status, 200);
    });

    test("a pending session's cookie or JWT answers 401 session_pending, unless the app accepts pending sessions", async () => {
      const { token } = await w.h.sessions.create({ userId: "u1", tenantId: "acme", pending: true });
      const jwt = await signJwt(w.key, claimsFor(w.issuer, "acme", { sts: "pending" }));
      for (const credential of [{ cookie: `__Host-sessiond=${token}` }, { authorization: `Bearer ${jwt}` }])
        assert.deepEqual(await getMe(await start(), credential).then((r) => [r.status, r.code]), [401, "session_pending"]);
      const accepting = await start({
        acceptPending: true,
        verifier: createJwtVerifier({ jwksUrl: jwksUrlFor(w.jwks.url), issuer: w.issuer, acceptPending: true }),
      });
      for (const credential of [{ cookie: `__Host-sessiond=${token}` }, { authorization: `Bearer ${jwt}` }])
        assert.equal((await getMe(accepting, credential)).status, 200);
    });

    test("warns once per app when it sends a loopback address as the user's (a missing trustProxy)", async () => {
      const app = await start();
      const before = w.warnings.length;
      for (let i = 0; i < 3; i++) await getMe(app, { cookie: await cookieFor() });
      assert.equal(w.warnings.length - before, 1);
    });
  });
}
