/** Clerk's refresh takes an expired_token only if a key still published signed it: a key retired immediately counts for nothing. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { codeOf, harness, type Harness } from "../http/harness.js";

describe("expired_token and retired signing keys", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  it("refuses, right after an immediate rotation, a JWT the leaked key signed", async () => {
    const { session, token } = await h.sessions.create({ userId: "ann" });
    const leaked = (await h.call("POST", `/v1/sessions/${session.id}/tokens`)).json().jwt as string;
    const refresh = () => h.call("POST", `/v1/sessions/${session.id}/refresh`, { body: { refresh_token: token, expired_token: leaked } });
    assert.equal((await refresh()).statusCode, 200, "accepted while its key is current");
    await h.signingKeys.rotate({ immediately: true });
    const response = await refresh();
    assert.equal(response.statusCode, 401, response.body);
    assert.equal(codeOf(response), "token_invalid");
  });
});
