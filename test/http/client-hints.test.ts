/** Client hints follow the text rules of every other field: control characters are 400 `request_invalid`, on REST and in the library. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { ClientHints } from "../../src/core/model.js";
import { codeOf, harness, type Harness } from "./harness.js";

const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const bad: [string, Record<string, string>, ClientHints][] = [
  ["NUL in the platform", { sec_ch_ua_platform: '"Win\u0000dows"' }, { secChUaPlatform: '"Win\u0000dows"' }],
  ["a newline in the brands", { sec_ch_ua: '"Chromium";v="124"\n"Evil";v="1"' }, { secChUa: '"Chromium";v="124"\n"Evil";v="1"' }],
  ["DEL in mobile", { sec_ch_ua_mobile: "?1\u007f" }, { secChUaMobile: "?1\u007f" }],
  ["a lone surrogate", { sec_ch_ua_platform: "\ud800" }, { secChUaPlatform: "\ud800" }],
];

describe("client hints", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  for (const [label, wire, library] of bad) {
    it(`REST create, verify and refresh refuse ${label}`, async () => {
      const created = await h.call("POST", "/v1/sessions", { body: { user_id: "u", ip: "203.0.113.7", user_agent: UA, client_hints: wire } });
      assert.equal(created.statusCode, 400, created.body);
      assert.equal(codeOf(created), "request_invalid");
      const { token } = await h.sessions.create({ userId: "u" });
      for (const path of ["/v1/sessions/verify", "/v1/sessions/refresh"]) {
        const response = await h.call("POST", path, { body: { token, ip: "203.0.113.8", user_agent: UA, client_hints: wire } });
        assert.equal(response.statusCode, 400, `${path}: ${response.body}`);
        assert.equal(codeOf(response), "request_invalid");
      }
    });

    it(`the library's create and verify refuse ${label}`, async () => {
      await assert.rejects(h.sessions.create({ userId: "u", ip: "203.0.113.7", userAgent: UA, clientHints: library }), { code: "request_invalid" });
      const { token, session } = await h.sessions.create({ userId: "u" });
      await assert.rejects(h.sessions.verify(token, { ip: "203.0.113.8", userAgent: UA, clientHints: library }), { code: "request_invalid" });
      await assert.rejects(h.sessions.refresh(token, { clientHints: library }), { code: "request_invalid" });
      assert.equal((await h.sessions.get(session.id)).latestActivity, null);
    });
  }

  it("the library refuses hints of the wrong shape", async () => {
    for (const hints of [{ secChUa: 5 }, { secChUaPlatform: "x".repeat(129) }, { platform: "Linux" }, "Linux"]) {
      await assert.rejects(
        h.sessions.create({ userId: "u", ip: "203.0.113.7", clientHints: hints as unknown as ClientHints }),
        { code: "request_invalid" },
        JSON.stringify(hints),
      );
    }
  });

  it("accepts ordinary hints and uses them", async () => {
    const response = await h.call("POST", "/v1/sessions", {
      body: {
        user_id: "u",
        ip: "203.0.113.7",
        user_agent: UA,
        client_hints: { sec_ch_ua: '"Google Chrome";v="124", "Chromium";v="124"', sec_ch_ua_mobile: "?0", sec_ch_ua_platform: '"Windows"' },
      },
    });
    assert.equal(response.statusCode, 200, response.body);
  });
});
