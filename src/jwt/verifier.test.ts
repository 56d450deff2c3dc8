import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { SignJWT, base64url } from "jose";
import { isSessiondError } from "../core/errors.js";
import { type JwksServer, type TestKey, claimsFor, deadUrl, jwksServer, signJwt, tenantIssuer, testKey } from "../../test/middleware/jwks-server.js";
import { type JwtVerifier, type JwtVerifierOptions, createJwtVerifier, jwksUrlFor } from "./verifier.js";

let server: JwksServer;
let k1: TestKey;
let k2: TestKey;
let acme: string;

before(async () => {
  [k1, k2] = await Promise.all([testKey("k1"), testKey("k2")]);
  server = await jwksServer([k1]);
  acme = tenantIssuer(server, "acme");
});
after(() => server.close());

function verifier(options: Partial<JwtVerifierOptions> = {}): JwtVerifier {
  return createJwtVerifier({ jwksUrl: jwksUrlFor(server.url), issuer: acme, ...options });
}

/** Asserts the JWT is refused for `reason`, and that the error does not carry the JWT. */
async function assertRefused(v: JwtVerifier, jwt: string, reason: string): Promise<void> {
  await assert.rejects(v.verify(jwt), (error: unknown) => {
    assert.ok(isSessiondError(error, "token_invalid"), `expected token_invalid, got ${String(error)}`);
    assert.deepEqual(error.details, { reason });
    assert.ok(!error.message.includes(jwt) && !JSON.stringify(error.details).includes(jwt), "the error carries the JWT");
    return true;
  });
}

describe("createJwtVerifier", () => {
  test("a valid session JWT gives its typed claims", async () => {
    const claims = await verifier().verify(await signJwt(k1, claimsFor(acme, "acme", { amr: ["pwd"], org_id: "org_1" })));
    assert.equal(claims.sub, "u1");
    assert.equal(claims.tid, "acme");
    assert.equal(claims.sts, "active");
    assert.deepEqual(claims.amr, ["pwd"]);
    assert.equal(claims.org_id, "org_1");
  });

  test("an ES256 JWT from a key in the JWKS is accepted", async () => {
    const es = await testKey("es", "ES256");
    server.publish([k1, es]);
    try {
      assert.equal((await verifier().verify(await signJwt(es, claimsFor(acme, "acme")))).iss, acme);
    } finally {
      server.publish([k1]);
    }
  });

  test("a pending session's JWT is refused as session_pending unless the verifier accepts pending sessions", async () => {
    const pending = await signJwt(k1, claimsFor(acme, "acme", { sts: "pending" }));
    await assert.rejects(verifier().verify(pending), (error) => isSessiondError(error, "session_pending"));
    assert.equal((await verifier({ acceptPending: true }).verify(pending)).sts, "pending");
    assert.equal((await verifier({ acceptPending: true }).verify(await signJwt(k1, claimsFor(acme, "acme")))).sts, "active");
  });

  test("a token of another type signed with the same keys (a logout token) is refused, even with session claims", async () => {
    await assertRefused(verifier(), await signJwt(k1, claimsFor(acme, "acme"), { typ: "logout+jwt" }), "malformed");
  });

  test("another tenant's JWT is refused", async () => {
    await assertRefused(verifier(), await signJwt(k1, claimsFor(tenantIssuer(server, "globex"), "globex")), "issuer");
  });

  test("the same tenant on another server is refused", async () => {
    await assertRefused(verifier(), await signJwt(k1, claimsFor("https://other.example/t/acme", "acme")), "issuer");
  });

  test("a tid that disagrees with the issuer is refused", async () => {
    await assertRefused(verifier(), await signJwt(k1, claimsFor(acme, "globex")), "issuer");
  });

  test("an expired JWT is refused", async () => {
    const past = Math.floor(Date.now() / 1000) - 120;
    await assertRefused(verifier(), await signJwt(k1, claimsFor(acme, "acme", { iat: past - 60, nbf: past - 60, exp: past })), "expired");
  });

  test("a JWT expired within the clock tolerance is accepted, beyond it refused", async () => {
    const jwt = await signJwt(k1, claimsFor(acme, "acme", { exp: Math.floor(Date.now() / 1000) - 2 }));
    assert.equal((await verifier().verify(jwt)).sub, "u1");
    await assertRefused(verifier({ clockToleranceSeconds: 0 }), jwt, "expired");
  });

  test("a JWT from the future is refused", async () => {
    await assertRefused(verifier(), await signJwt(k1, claimsFor(acme, "acme", { nbf: Math.floor(Date.now() / 1000) + 60 })), "not_yet_valid");
  });

  test("the audience is checked when one is expected", async () => {
    const jwt = await signJwt(k1, claimsFor(acme, "acme", { aud: "billing" }));
    assert.equal((await verifier({ audience: "billing" }).verify(jwt)).aud, "billing");
    await assertRefused(verifier({ audience: "admin" }), jwt, "audience");
  });

  test("a JWT signed by another key under a known kid is refused", async () => {
    const impostor = { ...(await testKey("k1")), publicJwk: k1.publicJwk };
    await assertRefused(verifier(), await signJwt(impostor, claimsFor(acme, "acme")), "signature");
  });

  test("a tampered payload is refused", async () => {
    const [header, , signature] = (await signJwt(k1, claimsFor(acme, "acme"))).split(".");
    const payload = base64url.encode(JSON.stringify(claimsFor(acme, "acme", { sub: "admin" })));
    await assertRefused(verifier(), `${header}.${payload}.${signature}`, "signature");
  });

  test("HS256 and unsigned JWTs are refused", async () => {
    const hs = await new SignJWT(claimsFor(acme, "acme"))
      .setProtectedHeader({ alg: "HS256", kid: "k1" })
      .sign(new TextEncoder().encode("a-shared-secret-of-32-bytes-long!"));
    await assertRefused(verifier(), hs, "signature");
    const none = `${base64url.encode(JSON.stringify({ alg: "none", kid: "k1" }))}.${base64url.encode(JSON.stringify(claimsFor(acme, "acme")))}.`;
    await assertRefused(verifier(), none, "signature");
  });

  test("a JWT without the session claims is refused", async () => {
    for (const claim of ["sid", "sub", "tid", "sts", "exp"])
      await assertRefused(verifier(), await signJwt(k1, claimsFor(acme, "acme", { [claim]: undefined })), "malformed");
    await assertRefused(verifier(), await signJwt(k1, claimsFor(acme, "acme", { sts: "revoked" })), "malformed");
    await assertRefused(verifier(), await signJwt(k1, claimsFor(acme, "acme", { sid: 42 })), "malformed");
  });

  test("garbage is refused as malformed", async () => {
    await assertRefused(verifier(), "not.a.jwt", "malformed");
    await assertRefused(verifier(), "garbage", "malformed");
  });

  test("a verifier without an issuer cannot be built", () => {
    assert.throws(() => createJwtVerifier({ jwksUrl: jwksUrlFor(server.url) } as JwtVerifierOptions), TypeError);
    assert.throws(() => createJwtVerifier({ jwksUrl: jwksUrlFor(server.url), issuer: "" }), TypeError);
  });

  test("jwksUrlFor keeps a path prefix and drops trailing slashes", () => {
    assert.equal(jwksUrlFor("https://auth.example.com/sessiond/").href, "https://auth.example.com/sessiond/v1/jwks");
  });
});

describe("key rotation", () => {
  test("a new kid is picked up once the cooldown allows a refetch", async () => {
    const v = verifier({ cooldownMs: 0 });
    await v.verify(await signJwt(k1, claimsFor(acme, "acme")));
    const jwtFromNewKey = await signJwt(k2, claimsFor(acme, "acme"));
    await assertRefused(v, jwtFromNewKey, "unknown_key");
    server.publish([k1, k2]);
    try {
      assert.equal((await v.verify(jwtFromNewKey)).sub, "u1");
      // Tokens in flight under the old key keep verifying while it stays in the JWKS.
      assert.equal((await v.verify(await signJwt(k1, claimsFor(acme, "acme")))).sub, "u1");
    } finally {
      server.publish([k1]);
    }
  });

  test("within the cooldown an unknown kid does not refetch the JWKS", async () => {
    const v = verifier({ cooldownMs: 60_000 });
    await v.verify(await signJwt(k1, claimsFor(acme, "acme")));
    const fetched = server.fetches;
    server.publish([k1, k2]);
    try {
      await assertRefused(v, await signJwt(k2, claimsFor(acme, "acme")), "unknown_key");
      assert.equal(server.fetches, fetched);
    } finally {
      server.publish([k1]);
    }
  });
});

describe("JWKS outage", () => {
  test("an unreachable JWKS with no key seen yet is store_unavailable", async () => {
    const v = createJwtVerifier({ jwksUrl: jwksUrlFor(await deadUrl()), issuer: acme });
    await assert.rejects(v.verify(await signJwt(k1, claimsFor(acme, "acme"))), (error) => isSessiondError(error, "store_unavailable"));
  });

  test("keys already fetched keep verifying while the JWKS is down; an unknown kid is store_unavailable", async () => {
    const own = await jwksServer([k1]);
    // cacheMaxAgeMs 0: every verify refetches, so the second one meets the outage.
    const v = createJwtVerifier({ jwksUrl: jwksUrlFor(own.url), issuer: tenantIssuer(own, "acme"), cacheMaxAgeMs: 0, cooldownMs: 0 });
    const claims = claimsFor(tenantIssuer(own, "acme"), "acme");
    await v.verify(await signJwt(k1, claims));
    await own.close();
    assert.equal((await v.verify(await signJwt(k1, claims))).sub, "u1");
    await assert.rejects(v.verify(await signJwt(k2, claims)), (error) => isSessiondError(error, "store_unavailable"));
  });
});
