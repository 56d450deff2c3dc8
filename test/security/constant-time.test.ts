/** Secrets are compared through Node's constant-time primitive, over fixed-length digests only. */
import assert from "node:assert/strict";
import crypto from "node:crypto";
import { syncBuiltinESMExports } from "node:module";
import { describe, it, mock } from "node:test";
import { digestsEqual, hashSecret } from "../../src/core/token.js";

describe("constant-time comparison", () => {
  it("compares 32-byte digests with crypto.timingSafeEqual, and nothing else", () => {
    const spy = mock.method(crypto, "timingSafeEqual");
    syncBuiltinESMExports(); // the named import in token.ts now sees the spy
    try {
      const a = hashSecret("secret-a");
      assert.equal(digestsEqual(a, hashSecret("secret-a")), true);
      assert.equal(digestsEqual(a, hashSecret("secret-b")), false);
      assert.equal(spy.mock.callCount(), 2);
      for (const call of spy.mock.calls) assert.deepEqual(call.arguments.map((b) => (b as Buffer).length), [32, 32]);
      // Anything not a digest is refused before any comparison, so lengths never leak through timing.
      assert.equal(digestsEqual(a, Buffer.from("short")), false);
      assert.equal(digestsEqual(Buffer.alloc(33), Buffer.alloc(33)), false);
      assert.equal(spy.mock.callCount(), 2);
    } finally {
      spy.mock.restore();
      syncBuiltinESMExports();
    }
  });
});
