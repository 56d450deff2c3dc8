import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "./errors.js";
import * as input from "./input.js";

const invalid = (fn: () => unknown) => assert.throws(fn, (e) => isSessiondError(e, "request_invalid"));

describe("input checks", () => {
  it("refuses control characters, NUL bytes, lone surrogates and absurd lengths in text", () => {
    for (const bad of ["", "a\u0000b", "line\nbreak", "\ud800", "x".repeat(257), 5, null]) invalid(() => input.text("user_id", bad));
    assert.equal(input.text("user_id", "ünï 日本 🙂"), "ünï 日本 🙂");
  });

  it("checks tenant ids, session ids and client ids by pattern", () => {
    for (const bad of ["", "Acme", "-x", "a".repeat(64), "a b", "__proto__"]) invalid(() => input.tenantId(bad));
    assert.equal(input.tenantId("acme-1_x"), "acme-1_x");
    invalid(() => input.sessionId("sess_123"));
    invalid(() => input.clientId("client id"));
  });

  it("accepts IPv4 and IPv6 addresses and nothing else", () => {
    for (const good of [
      "1.2.3.4",
      "255.255.255.255",
      "::1",
      "::",
      "2001:db8::8a2e:370:7334",
      "fe80::1",
      "::ffff:192.0.2.1",
      "2001:0db8:0000:0000:0000:ff00:0042:8329",
    ])
      assert.equal(input.ip(good), good, good);
    for (const bad of ["abcd", "999.999.999.999", "1.2.3.4.5", "::1::", "1.2.3", "01.2.3.4", "2001:db8::g", "1:2:3:4:5:6:7:8:9", "", 7])
      invalid(() => input.ip(bad));
  });

  it("cuts long user agents at the same length everywhere", () => {
    assert.equal(input.userAgent("u".repeat(10_000))!.length, input.MAX_USER_AGENT_LENGTH);
    assert.equal(input.userAgent(""), null);
  });

  it("limits metadata to 16 KiB serialized and accepts __proto__ as a plain key", () => {
    assert.throws(
      () => input.metadata({ a: "x".repeat(16_400) }),
      (e) => isSessiondError(e, "metadata_too_large"),
    );
    invalid(() => input.metadata([1]));
    const parsed = JSON.parse('{"__proto__": {"polluted": true}}');
    const kept = input.metadata(parsed);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(kept), Object.prototype);
  });

  it("round-trips cursors and refuses forged ones", () => {
    const cursor = input.encodeCursor("sess_abc")!;
    assert.equal(input.decodeCursor(cursor), "sess_abc");
    for (const bad of ["%%%", Buffer.from("other").toString("base64url"), "a".repeat(600), 7]) invalid(() => input.decodeCursor(bad));
  });

  it("bounds page sizes and offsets", () => {
    invalid(() => input.pageLimit(0));
    invalid(() => input.pageLimit(501));
    invalid(() => input.offset(-1));
    invalid(() => input.offset(10_001));
    assert.equal(input.offset(10_000), 10_000);
    assert.equal(input.pageLimit(undefined), 10);
  });
});
