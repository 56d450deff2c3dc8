import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { forwardedClientIp } from "./forwarded-for.js";

describe("forwardedClientIp", () => {
  test("counts trusted hops from the right, so a forged leftmost entry is never the user", () => {
    // The client wrote 6.6.6.6; proxy 1 appended the client's real address; the socket is proxy 1.
    assert.equal(forwardedClientIp("10.0.0.1", "6.6.6.6, 203.0.113.7", 1), "203.0.113.7");
    // Two proxies: proxy 1 (10.0.0.2) appended the client, proxy 2 appended proxy 1.
    assert.equal(forwardedClientIp("10.0.0.1", "6.6.6.6, 203.0.113.7, 10.0.0.2", 2), "203.0.113.7");
    assert.equal(forwardedClientIp("10.0.0.1", "6.6.6.6,203.0.113.7", 1), "203.0.113.7", "spaces are optional");
  });

  test("without trusted hops the socket peer is the user and the header is ignored", () => {
    assert.equal(forwardedClientIp("::ffff:10.0.0.1", "203.0.113.7", 0), "10.0.0.1");
    assert.equal(forwardedClientIp(undefined, "203.0.113.7", 0), undefined);
  });

  test("falls back to the peer when the chosen entry is not an address, and takes the leftmost when the chain is short", () => {
    assert.equal(forwardedClientIp("10.0.0.1", "<script>", 1), "10.0.0.1");
    assert.equal(forwardedClientIp("10.0.0.1", "", 1), "10.0.0.1");
    assert.equal(forwardedClientIp("10.0.0.1", undefined, 1), "10.0.0.1");
    assert.equal(forwardedClientIp("10.0.0.1", "203.0.113.7", 3), "203.0.113.7");
  });

  test("counts the peer as the nearest hop even when the runtime does not expose it (Hono off Node)", () => {
    assert.equal(forwardedClientIp(undefined, "6.6.6.6, 203.0.113.7", 1), "203.0.113.7");
    assert.equal(forwardedClientIp(undefined, "6.6.6.6, 203.0.113.7, 10.0.0.2", 2), "203.0.113.7");
  });

  test("answers the canonical spelling", () => {
    assert.equal(forwardedClientIp("10.0.0.1", "2001:0DB8::0001", 1), "2001:db8::1");
    assert.equal(forwardedClientIp("10.0.0.1", "::ffff:203.0.113.7", 1), "203.0.113.7");
  });
});
