import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "./errors.js";
import * as input from "./input.js";
import { type JsonField, LIMITS, type ListField, type TextField } from "./limits.js";

const refused = (fn: () => unknown, code = "request_invalid") => assert.throws(fn, (e) => isSessiondError(e, code as "request_invalid"));
/** A JSON object of exactly `bytes` bytes serialized. */
const objectOf = (bytes: number) => ({ a: "x".repeat(bytes - '{"a":""}'.length) });

describe("the input checks take their bounds from the table of limits", () => {
  for (const [field, max] of Object.entries(LIMITS.text) as [TextField, number][])
    it(`text ${field}: 1 to ${max} characters`, () => {
      assert.equal(input.text(field, "x".repeat(max)).length, max);
      refused(() => input.text(field, "x".repeat(max + 1)));
      refused(() => input.text(field, ""));
    });

  for (const [field, { maxItems, maxLength }] of Object.entries(LIMITS.lists) as [ListField, { maxItems: number; maxLength: number }][])
    it(`list ${field}: ${maxItems} items of at most ${maxLength} characters`, () => {
      assert.equal(
        input.stringList(
          field,
          Array.from({ length: maxItems }, () => "x".repeat(maxLength)),
        ).length,
        maxItems,
      );
      refused(() =>
        input.stringList(
          field,
          Array.from({ length: maxItems + 1 }, () => "x"),
        ),
      );
      refused(() => input.stringList(field, ["x".repeat(maxLength + 1)]));
    });

  for (const [field, maxBytes] of Object.entries(LIMITS.jsonBytes) as [JsonField, number][])
    it(`object ${field}: at most ${maxBytes} bytes serialized`, () => {
      assert.deepEqual(input.jsonObject(field, objectOf(maxBytes)), objectOf(maxBytes));
      refused(() => input.jsonObject(field, objectOf(maxBytes + 1)));
    });

  it("metadata over its size answers metadata_too_large", () => {
    assert.deepEqual(input.metadata(objectOf(LIMITS.jsonBytes.metadata)), objectOf(LIMITS.jsonBytes.metadata));
    refused(() => input.metadata(objectOf(LIMITS.jsonBytes.metadata + 1)), "metadata_too_large");
  });

  it("page sizes, offsets and cursors", () => {
    const { limit, offset } = LIMITS.integers;
    assert.equal(input.pageLimit(undefined), limit.default);
    assert.equal(input.pageLimit(limit.maximum), limit.maximum);
    refused(() => input.pageLimit(limit.minimum - 1));
    refused(() => input.pageLimit(limit.maximum + 1));
    assert.equal(input.offset(offset.maximum), offset.maximum);
    refused(() => input.offset(offset.minimum - 1));
    refused(() => input.offset(offset.maximum + 1));
    refused(() => input.decodeCursor("A".repeat(LIMITS.strings.cursor + 1)));
  });

  it("client hints, and user agents cut at the kept length", () => {
    for (const [name, wire] of [
      ["secChUa", "sec_ch_ua"],
      ["secChUaMobile", "sec_ch_ua_mobile"],
      ["secChUaPlatform", "sec_ch_ua_platform"],
    ] as const) {
      const max = LIMITS.strings[wire];
      assert.equal(input.clientHints({ [name]: "x".repeat(max) })?.[name]?.length, max);
      refused(() => input.clientHints({ [name]: "x".repeat(max + 1) }));
    }
    assert.equal(input.userAgent("u".repeat(LIMITS.strings.user_agent))?.length, LIMITS.cut.user_agent);
  });
});
