/** SPEC §3 verify and refresh through the service: validity order, activity, rotation, reuse, session types. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError, type ErrorCode } from "../../src/core/errors.js";
import type { SessionStore } from "../../src/core/store.js";
import { TOKEN_PATTERN } from "../../src/core/session-token.js";
import { serviceOn, T0 } from "./fixtures.js";
import { type StoreHarness, withStore } from "./store.js";

const SEC = 1000;
const code = (c: ErrorCode) => (e: unknown) => isSessiondError(e, c);

/** Counts store calls, to prove what the hot path costs. */
function counting(store: SessionStore): { store: SessionStore; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        calls.set(String(prop), (calls.get(String(prop)) ?? 0) + 1);
        return value.apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

export function useTests(h: StoreHarness): void {
  describe("verify", () => {
    it("answers the session for a valid token and never shows a secret digest", withStore(h, async (store) => {
      const { sessions } = serviceOn(store);
      const { session, token } = await sessions.create({ userId: "u", ip: "203.0.113.9", userAgent: "UA/1" });
      assert.match(token, TOKEN_PATTERN);
      assert.ok(token.startsWith(`${session.id}.`));
      const result = await sessions.verify(token, { ip: "203.0.113.9", userAgent: "UA/1" });
      assert.equal(result.valid, true);
      assert.deepEqual(result.valid && result.session, session);
      const text = JSON.stringify(result) + JSON.stringify(await sessions.list({}));
      assert.ok(!text.includes(token.split(".")[1]!));
      assert.ok(!/secretHash|superseded/i.test(text));
    }));

    it("costs one store read and no write while activity is within the resolution", withStore(h, async (base) => {
      const { store, calls } = counting(base);
      const { sessions, clock } = serviceOn(store, { activityResolutionMs: 60 * SEC });
      const { token } = await sessions.create({ userId: "u", ip: "203.0.113.9", userAgent: "UA/1" });
      calls.clear();
      for (let i = 0; i < 5; i++) {
        clock.advance(10 * SEC);
        await sessions.verify(token, { ip: "203.0.113.9", userAgent: "UA/1" });
      }
      assert.deepEqual(Object.fromEntries(calls), { get: 5 });
      clock.advance(11 * SEC);
      await sessions.verify(token, { ip: "203.0.113.9", userAgent: "UA/1" });
      assert.equal(calls.get("recordActivity"), 1);
      await sessions.verify(token, { ip: "198.51.100.4", userAgent: "UA/1" });
      assert.equal(calls.get("recordActivity"), 2, "an IP change is recorded at once");
      await sessions.verify(token, { ip: "198.51.100.4", userAgent: "UA/2" });
      assert.equal(calls.get("recordActivity"), 3, "a UA change is recorded at once");
    }));

    it("records what changed between activities, newest first", withStore(h, async (store) => {
      const { sessions, clock } = serviceOn(store);
      const { session, token } = await sessions.create({ userId: "u", ip: "203.0.113.9", userAgent: "UA/1" });
      clock.advance(SEC);
      await sessions.verify(token, { ip: "198.51.100.4" });
      const history = await sessions.activities(session.id);
      assert.equal(history.data.length, 2);
      assert.deepEqual(history.data[0]!.changed, ["ip"]);
      assert.equal(history.data[0]!.ipAddress, "198.51.100.4");
      assert.equal(history.data[1]!.ipAddress, "203.0.113.9");
      assert.equal((await sessions.get(session.id)).latestActivity!.ipAddress, "198.51.100.4");
      assert.equal((await sessions.get(session.id)).ip, "203.0.113.9", "ip keeps the creation address");
    }));

    it("answers token_invalid for every malformed, unknown or wrong token alike", withStore(h, async (store) => {
      const { sessions } = serviceOn(store);
      const { token } = await sessions.create({ userId: "u" });
      const [id, secret] = token.split(".") as [string, string];
      const wrongSecret = `${id}.${secret.slice(0, -1)}${secret.endsWith("A") ? "B" : "A"}`;
      const unknown = `sess_0000000000000000000000000000zz.${secret}`;
      for (const bad of ["", "garbage", id, `${id}.`, `.${secret}`, wrongSecret, unknown, `${token}x`, token.toUpperCase(), `${id}.${secret}\u0000`]) {
        assert.deepEqual(await sessions.verify(bad), { valid: false, code: "token_invalid" }, bad);
      }
      assert.deepEqual(await sessions.verify(token, { sessionId: "sess_0000000000000000000000000000zz" }), { valid: false, code: "token_invalid" });
      assert.equal((await sessions.verify(token, { sessionId: id })).valid, true);
    }));

    it("enforces a bound user agent (a missing one is a mismatch) and a named audience", withStore(h, async (store) => {
      const { sessions } = serviceOn(store);
      const { token } = await sessions.create({ userId: "u", userAgent: "UA/1", bindUserAgent: true, aud: "app-a" });
      assert.deepEqual(await sessions.verify(token), { valid: false, code: "user_agent_mismatch" });
      assert.deepEqual(await sessions.verify(token, { userAgent: "UA/2" }), { valid: false, code: "user_agent_mismatch" });
      assert.deepEqual(await sessions.verify(token, { userAgent: "UA/1", aud: "app-b" }), { valid: false, code: "audience_mismatch" });
      assert.equal((await sessions.verify(token, { userAgent: "UA/1", aud: "app-a" })).valid, true);
      assert.equal((await sessions.verify(token, { userAgent: "UA/1" })).valid, true);
      await assert.rejects(sessions.create({ userId: "u", bindUserAgent: true }), code("request_invalid"));
    }));
  });

  describe("refresh", () => {
    it("rotates the secret; the old one verifies within the grace but cannot refresh again", withStore(h, async (store) => {
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
    }));

    it("revokes the session when a superseded token comes back after the grace", withStore(h, async (store) => {
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
    }));

    it("treats a reused token on verify the same way", withStore(h, async (store) => {
      const { sessions, clock } = serviceOn(store, { refreshGraceMs: 10 * SEC });
      const { session, token } = await sessions.create({ userId: "u" });
      await sessions.refresh(token);
      clock.advance(11 * SEC);
      assert.deepEqual(await sessions.verify(token), { valid: false, code: "token_reused" });
      assert.equal((await sessions.get(session.id)).endReason, "token_reused");
    }));

    it("remembers the last five superseded secrets only", withStore(h, async (store) => {
      const { sessions, clock } = serviceOn(store, { refreshGraceMs: SEC });
      const tokens = [(await sessions.create({ userId: "u" })).token];
      for (let i = 0; i < 6; i++) {
        clock.advance(2 * SEC);
        tokens.push((await sessions.refresh(tokens.at(-1)!)).token);
      }
      assert.deepEqual(await sessions.verify(tokens[0]!), { valid: false, code: "token_invalid" }, "the sixth-oldest is forgotten");
      assert.equal((await sessions.verify(tokens[6]!)).valid, true);
      assert.deepEqual(await sessions.verify(tokens[1]!), { valid: false, code: "token_reused" });
    }));

    it("refuses to refresh temporary and one-time sessions, and terminal ones with their code", withStore(h, async (store) => {
      const { sessions } = serviceOn(store);
      await assert.rejects(sessions.refresh((await sessions.create({ userId: "u", sessionType: "temporary" })).token), code("refresh_not_allowed"));
      const ended = await sessions.create({ userId: "u" });
      await sessions.end(ended.session.id);
      await assert.rejects(sessions.refresh(ended.token), code("session_ended"));
      await assert.rejects(sessions.refresh("nonsense"), code("token_invalid"));
    }));
  });

  describe("session types", () => {
    it("ends a one-time session on its first successful verify", withStore(h, async (store) => {
      const { sessions } = serviceOn(store);
      const { token } = await sessions.create({ userId: "u", sessionType: "one_time_access" });
      const first = await sessions.verify(token);
      assert.equal(first.valid, true);
      assert.equal(first.valid && first.session.endReason, "one_time_used");
      assert.deepEqual(await sessions.verify(token), { valid: false, code: "session_ended" });
    }));

    it("requires an actor exactly for impersonation", withStore(h, async (store) => {
      const { sessions } = serviceOn(store);
      await assert.rejects(sessions.create({ userId: "u", sessionType: "impersonation" }), code("actor_invalid"));
      await assert.rejects(sessions.create({ userId: "u", actor: { sub: "admin" } }), code("actor_invalid"));
      const { session } = await sessions.create({ userId: "u", sessionType: "impersonation", actor: { sub: "admin" } });
      assert.deepEqual(session.actor, { sub: "admin" });
    }));

    it("gives service accounts and API-key sessions no inactivity timeout", withStore(h, async (store) => {
      const { sessions } = serviceOn(store, { inactivityTimeoutMs: 60 * SEC });
      for (const sessionType of ["service_account", "api_key"] as const) {
        assert.equal((await sessions.create({ userId: "svc", sessionType })).session.abandonAt, null);
        await assert.rejects(sessions.create({ userId: "svc", sessionType, inactivityTimeoutMs: 60 * SEC }), code("policy_out_of_bounds"));
      }
      assert.equal((await sessions.create({ userId: "u" })).session.abandonAt, T0 + 60 * SEC);
    }));
  });
}
