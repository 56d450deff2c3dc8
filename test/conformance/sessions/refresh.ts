/** SPEC §3 refresh through the service: rotation, the grace, reuse detection, what cannot be refreshed. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError, type ErrorCode } from "../../../src/core/errors.js";
import { serviceOn } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const SEC = 1000;
const code = (c: ErrorCode) => (e: unknown) => isSessiondError(e, c);

export function refreshTests(h: StoreHarness): void {
  describe("refresh", () => {
    it(
      "rotates the secret; the old one verifies within the grace but cannot refresh again",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { refreshGraceMs: 10 * SEC });
        const { token } = await sessions.create({ userId: "u" });
        const next = await sessions.refresh(token);
        assert.notEqual(next.token, token);
        assert.equal(next.token.split(".")[0], token.split(".")[0]);
        assert.equal((await sessions.verify(token)).valid, true);
        await assert.rejects(sessions.refresh(token), code("refresh_conflict"));
        assert.equal((await sessions.verify(next.token)).valid, true);
        clock.advance(10 * SEC);
        assert.equal((await sessions.verify(token)).valid, true, "the grace includes its last millisecond");
      }),
    );

    it(
      "revokes the session when a superseded token comes back after the grace",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { refreshGraceMs: 10 * SEC });
        const { session, token } = await sessions.create({ userId: "u" });
        const next = await sessions.refresh(token);
        clock.advance(11 * SEC);
        await assert.rejects(sessions.refresh(token), code("token_reused"));
        const revoked = await sessions.get(session.id);
        assert.equal(revoked.status, "revoked");
        assert.equal(revoked.endReason, "token_reused");
        assert.deepEqual(await sessions.verify(next.token), { valid: false, code: "session_revoked" });
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "token_reused" });
      }),
    );

    it(
      "treats a reused token on verify the same way",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { refreshGraceMs: 10 * SEC });
        const { session, token } = await sessions.create({ userId: "u" });
        await sessions.refresh(token);
        clock.advance(11 * SEC);
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "token_reused" });
        assert.equal((await sessions.get(session.id)).endReason, "token_reused");
      }),
    );

    it(
      "remembers the last five superseded secrets only",
      withStore(h, async (store) => {
        const { sessions, clock } = serviceOn(store, { refreshGraceMs: SEC });
        const tokens = [(await sessions.create({ userId: "u" })).token];
        for (let i = 0; i < 6; i++) {
          clock.advance(2 * SEC);
          tokens.push((await sessions.refresh(tokens.at(-1)!)).token);
        }
        assert.deepEqual(await sessions.verify(tokens[0]!), { valid: false, code: "token_invalid" }, "the sixth-oldest is forgotten");
        assert.equal((await sessions.verify(tokens[6]!)).valid, true);
        assert.deepEqual(await sessions.verify(tokens[1]!), { valid: false, code: "token_reused" });
      }),
    );

    it(
      "refuses to refresh temporary and one-time sessions, and terminal ones with their code",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        await assert.rejects(sessions.refresh((await sessions.create({ userId: "u", sessionType: "temporary" })).token), code("refresh_not_allowed"));
        const ended = await sessions.create({ userId: "u" });
        await sessions.end(ended.session.id);
        await assert.rejects(sessions.refresh(ended.token), code("session_ended"));
        await assert.rejects(sessions.refresh("nonsense"), code("token_invalid"));
      }),
    );
  });
}
