/** Signing keys: sealed at rest, shared by every server on a store, rotated with an overlap. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { ManualClock } from "../../src/core/clock.js";
import { isSessiondError } from "../../src/core/errors.js";
import type { SessionClaims } from "../../src/core/jwt-claims.js";
import { CLOCK_SKEW_MS, PUBLISH_LEAD_MS, SigningKeys } from "../../src/jwt/signing-keys.js";
import { memoryStore } from "../../src/stores/memory/index.js";

const KEK = "a-key-encryption-key-of-at-least-32-chars";
const HOUR = 3_600_000;

function claimsAt(clock: ManualClock, lifetimeSeconds = 60): SessionClaims {
  const iat = Math.floor(clock.now() / 1000);
  return { iss: "https://auth.test/t/acme", sub: "ann", sid: "sess_x", tid: "acme", sts: "active", iat, nbf: iat, exp: iat + lifetimeSeconds };
}

async function verifyAt(keys: SigningKeys, jwt: string, clock: ManualClock) {
  return jwtVerify(jwt, createLocalJWKSet(await keys.jwks()), { issuer: "https://auth.test/t/acme", currentDate: new Date(clock.now()) });
}

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

describe("JWT signing keys", () => {
  it("creates the first key on first use, signs EdDSA with its kid and publishes it", async () => {
    const clock = new ManualClock();
    const keys = new SigningKeys({ store: memoryStore(), keyEncryptionKey: KEK, clock });
    assert.deepEqual((await keys.jwks()).keys, []);
    const jwt = await keys.sign(claimsAt(clock));
    const header = decodeProtectedHeader(jwt);
    assert.equal(header.alg, "EdDSA");
    const jwks = await keys.jwks();
    assert.deepEqual(
      jwks.keys.map((k) => [k.kid, k.kty, k.crv, k.alg, k.use]),
      [[header.kid, "OKP", "Ed25519", "EdDSA", "sig"]],
    );
    assert.equal((await verifyAt(keys, jwt, clock)).payload.sub, "ann");
  });

  it("stores the private key sealed: no PEM/DER in the store, and it opens only with the same secret and kid", async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const keys = new SigningKeys({ store, keyEncryptionKey: KEK, clock });
    await keys.sign(claimsAt(clock));
    const [record] = await store.signingKeys.list();
    assert.match(record!.encryptedPrivateKey, /^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    assert.ok(!JSON.stringify(record).includes("PRIVATE KEY"));
    assert.deepEqual(Object.keys(record!.publicJwk).sort(), ["crv", "kty", "x"], "no private part (d) in the published JWK");

    const wrongSecret = new SigningKeys({ store, keyEncryptionKey: `${KEK}-other`, clock });
    await assert.rejects(wrongSecret.sign(claimsAt(clock)), (e) => isSessiondError(e, "signing_key_unavailable"));

    // A sealed key copied under another kid does not open: the kid is bound into the seal.
    const other = memoryStore();
    await other.signingKeys.insert({ ...record!, kid: "someone-else" });
    await assert.rejects(new SigningKeys({ store: other, keyEncryptionKey: KEK, clock }).sign(claimsAt(clock)), (e) =>
      isSessiondError(e, "signing_key_unavailable"),
    );
  });

  it("refuses to sign without a key-encryption key, but still publishes the JWKS", async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    await new SigningKeys({ store, keyEncryptionKey: KEK, clock }).sign(claimsAt(clock));
    const keyless = new SigningKeys({ store, keyEncryptionKey: null, clock });
    assert.equal(keyless.canSign, false);
    await assert.rejects(keyless.sign(claimsAt(clock)), (e) => isSessiondError(e, "signing_key_unavailable"));
    await assert.rejects(keyless.rotate(), (e) => isSessiondError(e, "signing_key_unavailable"));
    assert.equal((await keyless.jwks()).keys.length, 1);
  });

  it("is shared: two servers on one store sign with the same key and publish the same JWKS", async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const a = new SigningKeys({ store, keyEncryptionKey: KEK, clock });
    const b = new SigningKeys({ store, keyEncryptionKey: KEK, clock });
    const fromA = await a.sign(claimsAt(clock));
    const fromB = await b.sign(claimsAt(clock));
    assert.equal(kidOf(fromA), kidOf(fromB));
    assert.deepEqual(await a.jwks(), await b.jwks());
    await verifyAt(b, fromA, clock);
  });

  it("lets servers that start together on a new store agree on one first key", async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const servers = Array.from({ length: 4 }, () => new SigningKeys({ store, keyEncryptionKey: KEK, clock }));
    const jwts = await Promise.all(servers.map((keys) => keys.sign(claimsAt(clock))));
    assert.equal(new Set(jwts.map(kidOf)).size, 1, "one kid for all");
    assert.equal((await store.signingKeys.list()).length, 1);
    for (const keys of servers) await verifyAt(keys, jwts[0]!, clock);
  });

  it("rotates with an overlap: the old key signs until the new one is published, and verifies until its tokens expired", async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const keys = new SigningKeys({ store, keyEncryptionKey: KEK, clock });
    const otherServer = new SigningKeys({ store, keyEncryptionKey: KEK, clock });
    const oldJwt = await keys.sign(claimsAt(clock, 3600));
    const oldKid = kidOf(oldJwt);

    const rotation = await keys.rotate();
    assert.equal(rotation.retired[0]!.kid, oldKid);
    assert.equal(rotation.signsFrom, clock.now() + PUBLISH_LEAD_MS);
    assert.equal((await keys.jwks()).keys.length, 2, "the new key is published at once");
    assert.equal(kidOf(await keys.sign(claimsAt(clock))), oldKid, "…but does not sign before every JWKS cache can know it");

    clock.advance(PUBLISH_LEAD_MS - 1);
    const lastOld = await keys.sign(claimsAt(clock, 3600));
    assert.equal(kidOf(lastOld), oldKid);
    clock.advance(1);
    const newJwt = await keys.sign(claimsAt(clock));
    assert.equal(kidOf(newJwt), rotation.kid, "new tokens use the new key");
    await verifyAt(keys, newJwt, clock);
    clock.advance(5_000); // past the other server's key cache
    assert.equal(kidOf(await otherServer.sign(claimsAt(clock))), rotation.kid, "every server switches");

    // The old key's last token, signed for the full hour just before the switch, verifies until it expires.
    clock.set(rotation.signsFrom + HOUR - 2_000);
    await verifyAt(keys, lastOld, clock);
    await verifyAt(keys, oldJwt, new ManualClock(rotation.signsFrom - PUBLISH_LEAD_MS + HOUR - 1_000));
    assert.equal(rotation.retired[0]!.retireAt, rotation.signsFrom + HOUR + CLOCK_SKEW_MS);
    clock.set(rotation.retired[0]!.retireAt);
    assert.ok(!(await keys.jwks()).keys.some((k) => k.kid === oldKid), "dropped once every token it signed has expired");
    assert.deepEqual(await keys.prune(), [oldKid]);
    assert.deepEqual(
      (await store.signingKeys.list()).map((k) => k.kid),
      [rotation.kid],
    );
  });

  it("rotates immediately for a leaked key: the new key signs now and the old one leaves the JWKS now", async () => {
    const clock = new ManualClock();
    const keys = new SigningKeys({ store: memoryStore(), keyEncryptionKey: KEK, clock });
    const leaked = await keys.sign(claimsAt(clock));
    const rotation = await keys.rotate({ immediately: true });
    assert.equal(rotation.signsFrom, clock.now());
    assert.equal(kidOf(await keys.sign(claimsAt(clock))), rotation.kid);
    assert.deepEqual(
      (await keys.jwks()).keys.map((k) => k.kid),
      [rotation.kid],
    );
    await assert.rejects(verifyAt(keys, leaked, clock));
  });

  it("stops recognising JWTs of every older key at an immediate rotation, on every server; an overlapped key counts until then", async () => {
    const clock = new ManualClock();
    const store = memoryStore();
    const one = new SigningKeys({ store, keyEncryptionKey: KEK, clock });
    const two = new SigningKeys({ store, keyEncryptionKey: KEK, clock });
    const overlapped = await one.sign(claimsAt(clock));
    assert.equal((await two.readOwn(overlapped))?.sid, "sess_x", "the second server has read (and cached) the keys");
    await one.rotate();
    clock.advance(PUBLISH_LEAD_MS);
    assert.equal((await two.readOwn(overlapped))?.sid, "sess_x", "an overlapped key counts until it leaves the JWKS");
    const leaked = await one.sign(claimsAt(clock));
    assert.equal((await two.readOwn(leaked))?.sid, "sess_x");
    await one.rotate({ immediately: true });
    assert.equal(await one.readOwn(leaked), null);
    assert.equal(await two.readOwn(leaked), null, "not even from a server whose key cache is still fresh");
    assert.equal(await two.readOwn(overlapped), null, "a key still in its overlap goes too: the leak may reach it");
    assert.deepEqual((await two.jwks()).keys.length, 1);
  });

  it("recognises its own JWTs, expired ones too, and nothing else", async () => {
    const clock = new ManualClock();
    const keys = new SigningKeys({ store: memoryStore(), keyEncryptionKey: KEK, clock });
    const jwt = await keys.sign(claimsAt(clock, 30));
    clock.advance(HOUR);
    assert.equal((await keys.readOwn(jwt))?.sid, "sess_x");
    const stranger = await new SigningKeys({ store: memoryStore(), keyEncryptionKey: KEK, clock }).sign(claimsAt(clock));
    assert.equal(await keys.readOwn(stranger), null);
    assert.equal(await keys.readOwn(`${jwt.slice(0, -4)}AAAA`), null);
    assert.equal(await keys.readOwn("not.a.jwt"), null);
  });
});
