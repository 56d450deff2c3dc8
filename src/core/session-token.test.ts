import assert from "node:assert/strict";
import crypto from "node:crypto";
import { syncBuiltinESMExports } from "node:module";
import { describe, it, mock } from "node:test";
import {
  digestsEqual,
  formatToken,
  hashSecret,
  newSecret,
  newSessionId,
  parseToken,
  routingTag,
  routingTagOfSessionId,
  SESSION_ID_PATTERN,
  systemRandom,
  timeOfId,
  TOKEN_PATTERN,
} from "./session-token.js";

describe("tokens", () => {
  it("carries 256 bits of secret and stores only its SHA-256", () => {
    const { secret, hash } = newSecret(systemRandom);
    assert.equal(Buffer.from(secret, "base64url").length, 32);
    assert.deepEqual(hash, hashSecret(secret));
    assert.equal(hash.length, 32);
  });

  it("formats and parses <session id>.<secret>", () => {
    const id = newSessionId("acme", "user_1", Date.UTC(2026, 0, 1), systemRandom);
    const { secret, hash } = newSecret(systemRandom);
    const token = formatToken(id, secret);
    assert.match(token, TOKEN_PATTERN);
    assert.deepEqual(parseToken(token), { sessionId: id, hash });
  });

  it("rejects anything that is not exactly a token", () => {
    const id = newSessionId("acme", "u", 0, systemRandom);
    const { secret } = newSecret(systemRandom);
    for (const bad of [
      undefined,
      null,
      42,
      "",
      `${id}.${secret}=`,
      `${id}:${secret}`,
      `${id}.${secret.slice(1)}`,
      `x${id}.${secret}`,
      `${id}.${secret}`.padEnd(5000, "a"),
    ]) {
      assert.equal(parseToken(bad), null, String(bad).slice(0, 40));
    }
  });

  it("refuses a token of the wrong length before hashing it, however long", () => {
    const spy = mock.method(crypto, "createHash");
    syncBuiltinESMExports(); // the named import in token.ts now sees the spy
    try {
      for (const bad of ["", "x".repeat(78), "x".repeat(80), "sess_".padEnd(10_240, "a"), "a".repeat(1 << 20)]) assert.equal(parseToken(bad), null);
      assert.equal(spy.mock.callCount(), 0);
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
  });

  it("compares digests through crypto.timingSafeEqual over fixed-length digests only", () => {
    const spy = mock.method(crypto, "timingSafeEqual");
    syncBuiltinESMExports(); // the named import in token.ts now sees the spy
    try {
      const a = hashSecret("a");
      assert.equal(digestsEqual(a, hashSecret("a")), true);
      assert.equal(digestsEqual(a, hashSecret("b")), false);
      assert.equal(spy.mock.callCount(), 2);
      for (const call of spy.mock.calls)
        assert.deepEqual(
          call.arguments.map((b) => (b as Buffer).length),
          [32, 32],
        );
      // Anything not a digest is refused before any comparison, so lengths never leak through timing.
      assert.equal(digestsEqual(a, a.subarray(0, 16)), false);
      assert.equal(digestsEqual(Buffer.alloc(33), Buffer.alloc(33)), false);
      assert.equal(spy.mock.callCount(), 2);
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
  });
});

describe("ids", () => {
  it("sort by creation time and carry the user's routing tag", () => {
    const earlier = newSessionId("acme", "u", 1_000, systemRandom);
    const later = newSessionId("acme", "u", 2_000, systemRandom);
    assert.ok(earlier < later);
    assert.match(earlier, SESSION_ID_PATTERN);
    assert.equal(timeOfId(later), 2_000);
    assert.equal(routingTagOfSessionId(earlier), routingTag("acme", "u"));
    assert.notEqual(routingTag("acme", "u"), routingTag("globex", "u"));
  });

  it("stay unique across many calls in one millisecond", () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newSessionId("t", "u", 5, systemRandom)));
    assert.equal(ids.size, 10_000);
  });
});
