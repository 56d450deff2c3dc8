/** SPEC §3 verify through the service: validity order, activity, what the hot path costs, session types. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError, type ErrorCode } from "../../../src/core/errors.js";
import type { Store } from "../../../src/core/store/index.js";
import { TOKEN_PATTERN } from "../../../src/core/session-token.js";
import { serviceOn, T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const SEC = 1000;
const code = (c: ErrorCode) => (e: unknown) => isSessiondError(e, c);

/** Counts calls of every store role (as `role.method`), to prove what the hot path costs. */
function counting(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const count = <T extends object>(target: T, name: string): T =>
    new Proxy(target, {
      get(inner, prop, receiver) {
        const value = Reflect.get(inner, prop, receiver);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.set(`${name}${String(prop)}`, (calls.get(`${name}${String(prop)}`) ?? 0) + 1);
          return value.apply(inner, args);
        };
      },
    });
  const roles = Object.fromEntries(
    (["sessions", "apiKeys", "signingKeys", "templates", "policies", "counters", "changes"] as const).map((role) => [role, count(store[role], `${role}.`)]),
  );
  return { store: count(Object.assign(Object.create(store) as Store, roles), ""), calls };
}

export function verifyTests(h: StoreHarness): void {
  describe("verify", () => {
    it(
      "answers the session for a valid token and never shows a secret digest",
      withStore(h, async (store) => {
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
      }),
    );

    it(
      "costs one store read and no write while activity is within the resolution",
      withStore(h, async (base) => {
        const { store, calls } = counting(base);
        const { sessions, clock } = serviceOn(store, { activityResolutionMs: 60 * SEC });
        const { token } = await sessions.create({ userId: "u", ip: "203.0.113.9", userAgent: "UA/1" });
        calls.clear();
        for (let i = 0; i < 5; i++) {
          clock.advance(10 * SEC);
          await sessions.verify(token, { ip: "203.0.113.9", userAgent: "UA/1" });
        }
        await sessions.flushActivity();
        assert.deepEqual(Object.fromEntries(calls), { "sessions.get": 5 });
        // Due activity goes to the batch writer: one batch call per flush here.
        const written = async () => {
          await sessions.flushActivity();
          return calls.get("sessions.recordActivities") ?? 0;
        };
        clock.advance(11 * SEC);
        await sessions.verify(token, { ip: "203.0.113.9", userAgent: "UA/1" });
        assert.equal(await written(), 1);
        await sessions.verify(token, { ip: "198.51.100.4", userAgent: "UA/1" });
        assert.equal(await written(), 2, "an IP change is recorded at once");
        await sessions.verify(token, { ip: "198.51.100.4", userAgent: "UA/2" });
        assert.equal(await written(), 3, "a UA change is recorded at once");
        assert.equal(calls.get("sessions.recordActivity"), undefined);
      }),
    );

    it(
      "records what changed between activities, newest first",
      withStore(h, async (store) => {
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
      }),
    );

    it(
      "answers token_invalid for every malformed, unknown or wrong token alike",
      withStore(h, async (store) => {
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
      }),
    );

    it(
      "enforces a bound user agent (a missing one is a mismatch) and a named audience",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        const { token } = await sessions.create({ userId: "u", userAgent: "UA/1", bindUserAgent: true, aud: "app-a" });
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "user_agent_mismatch" });
        assert.deepEqual(await sessions.verify(token, { userAgent: "UA/2" }), { valid: false, code: "user_agent_mismatch" });
        assert.deepEqual(await sessions.verify(token, { userAgent: "UA/1", aud: "app-b" }), { valid: false, code: "audience_mismatch" });
        assert.equal((await sessions.verify(token, { userAgent: "UA/1", aud: "app-a" })).valid, true);
        assert.equal((await sessions.verify(token, { userAgent: "UA/1" })).valid, true);
        await assert.rejects(sessions.create({ userId: "u", bindUserAgent: true }), code("request_invalid"));
      }),
    );
  });

  describe("session types", () => {
    it(
      "ends a one-time session on its first successful verify",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        const { token } = await sessions.create({ userId: "u", sessionType: "one_time_access" });
        const first = await sessions.verify(token);
        assert.equal(first.valid, true);
        assert.equal(first.valid && first.session.endReason, "one_time_used");
        assert.deepEqual(await sessions.verify(token), { valid: false, code: "session_ended" });
      }),
    );

    it(
      "requires an actor exactly for impersonation",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store);
        await assert.rejects(sessions.create({ userId: "u", sessionType: "impersonation" }), code("actor_invalid"));
        await assert.rejects(sessions.create({ userId: "u", actor: { sub: "admin" } }), code("actor_invalid"));
        const { session } = await sessions.create({ userId: "u", sessionType: "impersonation", actor: { sub: "admin" } });
        assert.deepEqual(session.actor, { sub: "admin" });
      }),
    );

    it(
      "gives service accounts and API-key sessions no inactivity timeout",
      withStore(h, async (store) => {
        const { sessions } = serviceOn(store, { inactivityTimeoutMs: 60 * SEC });
        for (const sessionType of ["service_account", "api_key"] as const) {
          assert.equal((await sessions.create({ userId: "svc", sessionType })).session.abandonAt, null);
          await assert.rejects(sessions.create({ userId: "svc", sessionType, inactivityTimeoutMs: 60 * SEC }), code("policy_out_of_bounds"));
        }
        assert.equal((await sessions.create({ userId: "u" })).session.abandonAt, T0 + 60 * SEC);
      }),
    );
  });
}
