/** Minting a JWT is a use: a one_time_access session gives exactly one JWT or one successful verify, never both. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { codeOf, harness, type Harness } from "../http/harness.js";

describe("one_time_access sessions and JWTs", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  const oneTime = () => h.sessions.create({ userId: "ann", sessionType: "one_time_access" });

  it("a mint by id consumes the session: its token and further mints are refused", async () => {
    const { session, token } = await oneTime();
    const minted = await h.call("POST", `/v1/sessions/${session.id}/tokens`);
    assert.equal(minted.statusCode, 200, minted.body);
    const after = await h.sessions.get(session.id);
    assert.deepEqual([after.status, after.endReason], ["ended", "one_time_used"]);
    assert.deepEqual(await h.sessions.verify(token), { valid: false, code: "session_ended" });
    const again = await h.call("POST", `/v1/sessions/${session.id}/tokens`);
    assert.equal(again.statusCode, 401);
    assert.equal(codeOf(again), "session_ended");
  });

  it("a verify first leaves nothing to mint", async () => {
    const { session, token } = await oneTime();
    assert.equal((await h.sessions.verify(token)).valid, true);
    await assert.rejects(h.sessions.mintJwt(session.id), { code: "session_ended" });
  });

  it("a mint that fails on its input leaves the session unused", async () => {
    const { session, token } = await oneTime();
    await assert.rejects(h.sessions.mintJwt(session.id, { template: "no-such-template" }), { code: "resource_not_found" });
    await assert.rejects(h.sessions.mintJwt(session.id, { expiresInSeconds: 5 }), { code: "request_invalid" });
    assert.equal((await h.sessions.get(session.id)).status, "active");
    assert.equal((await h.sessions.verify(token)).valid, true);
  });

  it("of racing mints and verifies exactly one succeeds", async () => {
    for (let round = 0; round < 20; round++) {
      const { session, token } = await oneTime();
      const attempts = Array.from({ length: 12 }, (_, i) =>
        i % 2 === 0
          ? h.sessions.mintJwt(session.id).then(
              () => true,
              (error: { code?: string }) => (error.code === "session_ended" ? false : Promise.reject(error)),
            )
          : h.sessions.verify(token).then((result) => result.valid),
      );
      const wins = (await Promise.all(attempts)).filter(Boolean).length;
      assert.equal(wins, 1, `round ${round}: ${wins} successes`);
      assert.equal((await h.sessions.get(session.id)).endReason, "one_time_used");
    }
  });

  it("of racing mints over REST exactly one gets a JWT", async () => {
    const { session } = await oneTime();
    const responses = await Promise.all(Array.from({ length: 10 }, () => h.call("POST", `/v1/sessions/${session.id}/tokens`)));
    assert.deepEqual(responses.map((r) => r.statusCode).sort(), [200, ...Array(9).fill(401)]);
  });
});
