/** A token of any shape or size, where an app forwards a cookie, answers 401 token_invalid like any bad token (SPEC §4). */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { codeOf, harness } from "./harness.js";

const HUGE = `sess_${"0".repeat(30)}.${"A".repeat(10_240)}`;
const BAD_TOKENS = ["", "x", HUGE, "é".repeat(5000), `sess_${"0".repeat(30)}.${"A".repeat(43)} `];

describe("malformed session tokens", () => {
  it("answer 401 token_invalid on verify, verify by id, refresh and Clerk's refresh, whatever their length", async () => {
    const h = await harness();
    const { session } = await h.sessions.create({ userId: "ann" });
    const calls = (token: string) => [
      h.call("POST", "/v1/sessions/verify", { body: { token } }),
      h.call("POST", `/v1/sessions/${session.id}/verify`, { body: { token } }),
      h.call("POST", "/v1/sessions/refresh", { body: { token } }),
      h.call("POST", `/v1/sessions/${session.id}/refresh`, { body: { refresh_token: token } }),
    ];
    for (const token of BAD_TOKENS)
      for (const response of await Promise.all(calls(token)))
        assert.deepEqual([response.statusCode, codeOf(response)], [401, "token_invalid"], `a token of ${token.length} characters`);
    await h.close();
  });

  it("still meets the body limit: a token past 1 MiB is 413", async () => {
    const h = await harness();
    const response = await h.call("POST", "/v1/sessions/verify", { body: { token: "A".repeat(1 << 20) } });
    assert.deepEqual([response.statusCode, codeOf(response)], [413, "body_too_large"]);
    await h.close();
  });

  it("a token that is not a string is still a malformed request", async () => {
    const h = await harness();
    const response = await h.call("POST", "/v1/sessions/verify", { body: { token: 42 } });
    assert.deepEqual([response.statusCode, codeOf(response)], [400, "request_invalid"]);
    await h.close();
  });
});
