/**
 * Back-channel logout endpoints (SPEC §9, OpenID Connect Back-Channel Logout 1.0): one form POST
 * per end of a session, with a fresh logout token per attempt that verifies against the JWKS.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { systemClock } from "../../src/core/clock.js";
import { createSessions } from "../../src/core/service.js";
import { SigningKeys } from "../../src/jwt/signing-keys.js";
import { signingKeysLogoutSigner } from "../../src/webhooks/index.js";
import { addEndpoint, BACKENDS, type Handler, startReceiver, testDispatcher, waitFor } from "./support.js";

const PUBLIC_URL = "https://sessions.example";
const EVENT = "http://schemas.openid.net/event/backchannel-logout";

for (const backend of BACKENDS) {
  describe(`back-channel logout (${backend.name})`, () => {
    it("posts a logout token for each end only, fresh on every attempt, that jose verifies against the JWKS with every claim", async (t) => {
      const store = await backend.open();
      let calls = 0;
      // The first request fails, so the retry shows a token of its own.
      const failFirst: Handler = (_req, res) => {
        calls += 1;
        res.writeHead(calls === 1 ? 500 : 200).end();
      };
      const r = await startReceiver(failFirst);
      t.after(() => Promise.all([r.close(), store.close()]));
      await addEndpoint(store, r.url, { format: "oidc_backchannel_logout", audience: "rp-portal", tenantId: "acme" });
      const signingKeys = new SigningKeys({ store, keyEncryptionKey: "k".repeat(40), clock: systemClock });
      const sessions = createSessions({ store, activityWrites: false });
      const kept = await sessions.create({ userId: "ada", tenantId: "acme" });
      const ended = await sessions.create({ userId: "ada", tenantId: "acme" });
      await sessions.update(kept.session.id, { metadata: { a: 1 } }, { tenantId: "acme" });
      await sessions.revoke(ended.session.id, { tenantId: "acme" });
      const other = await sessions.create({ userId: "bob", tenantId: "globex" });
      await sessions.revoke(other.session.id, { tenantId: "globex" });
      const dispatcher = testDispatcher(store, { logoutSigner: signingKeysLogoutSigner(signingKeys), publicUrl: () => PUBLIC_URL, retryScheduleMs: [50] });
      const before = Math.floor(Date.now() / 1000);
      dispatcher.start();
      try {
        await waitFor("the attempt and its retry", () => r.received.length >= 2);
        await new Promise((resolve) => setTimeout(resolve, 300));
      } finally {
        await dispatcher.stop();
      }
      assert.equal(r.received.length, 2, "one end in the tenant: the revoke, tried twice; creates and updates send nothing");
      const jwks = createLocalJWKSet(await signingKeys.jwks());
      const jtis = new Set<string>();
      for (const got of r.received) {
        assert.equal(got.headers["content-type"], "application/x-www-form-urlencoded");
        const form = new URLSearchParams(got.body);
        assert.deepEqual([...form.keys()], ["logout_token"]);
        const token = form.get("logout_token")!;
        const { payload, protectedHeader } = await jwtVerify(token, jwks, {
          issuer: `${PUBLIC_URL}/t/acme`,
          audience: "rp-portal",
          typ: "logout+jwt",
          maxTokenAge: 120,
        });
        assert.equal(protectedHeader.alg, "EdDSA");
        assert.equal(protectedHeader.kid, decodeProtectedHeader(token).kid);
        assert.ok((await signingKeys.jwks()).keys.some((k) => k.kid === protectedHeader.kid));
        assert.equal(await signingKeys.readOwn(token), null, "a logout token is never taken for a session JWT");
        assert.equal(payload.sid, ended.session.id);
        assert.equal(payload.sub, "ada");
        assert.deepEqual(payload.events, { [EVENT]: {} });
        assert.equal("nonce" in payload, false);
        assert.ok(payload.iat! >= before && payload.iat! <= Math.floor(Date.now() / 1000));
        assert.ok(payload.exp! - payload.iat! <= 120 && payload.exp! > payload.iat!);
        assert.equal(typeof payload.jti, "string");
        jtis.add(payload.jti!);
      }
      assert.equal(jtis.size, 2, "every attempt carries a fresh token");
    });
  });
}
