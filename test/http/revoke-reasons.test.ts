/** An app cannot give a system end reason on revoke (SPEC §2): REST, library and CLI all refuse it. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SYSTEM_END_REASONS } from "../../src/core/input.js";
import { codeOf, harness, type Harness } from "./harness.js";
import { seed, sessiond, tempStore } from "../cli/run.js";

const SPEC_SYSTEM_REASONS = [
  "signed_out",
  "revoked",
  "user_revoked",
  "token_reused",
  "expired",
  "abandoned",
  "session_limit",
  "user_removed",
  "replaced",
  "deleted",
  "one_time_used",
  "dbsc_proof_failed",
];

describe("revoke reasons", () => {
  let h: Harness;
  before(async () => (h = await harness()));
  after(async () => h.close());

  it("lists exactly the system reasons of SPEC §2", () => {
    assert.deepEqual([...SYSTEM_END_REASONS].sort(), [...SPEC_SYSTEM_REASONS].sort());
  });

  for (const reason of [...SPEC_SYSTEM_REASONS, "Signed_Out", " deleted "]) {
    it(`REST refuses reason ${JSON.stringify(reason)} on one session and on a user's sessions, and revokes nothing`, async () => {
      const { session } = await h.sessions.create({ userId: "u-sys" });
      const one = await h.call("POST", `/v1/sessions/${session.id}/revoke`, { body: { reason } });
      assert.equal(one.statusCode, 400);
      assert.equal(codeOf(one), "request_invalid");
      const all = await h.call("POST", "/v1/users/u-sys/sessions/revoke", { body: { reason } });
      assert.equal(all.statusCode, 400);
      assert.equal(codeOf(all), "request_invalid");
      assert.equal((await h.sessions.get(session.id)).status, "active");
    });
  }

  it("REST keeps an app's own reason, and records revoked when none is given", async () => {
    const a = (await h.sessions.create({ userId: "u-app" })).session;
    const b = (await h.sessions.create({ userId: "u-app2" })).session;
    const withReason = await h.call("POST", `/v1/sessions/${a.id}/revoke`, { body: { reason: "password_changed" } });
    assert.equal(withReason.json().end_reason, "password_changed");
    const plain = await h.call("POST", `/v1/sessions/${b.id}/revoke`);
    assert.equal(plain.statusCode, 200);
    assert.equal(plain.json().end_reason, "revoked");
  });

  it("the library refuses system reasons on revoke and revokeUser", async () => {
    const { session } = await h.sessions.create({ userId: "u-lib" });
    await assert.rejects(h.sessions.revoke(session.id, { reason: "token_reused" }), { code: "request_invalid" });
    await assert.rejects(h.sessions.revokeUser("u-lib", { reason: "user_removed" }), { code: "request_invalid" });
    assert.equal((await h.sessions.get(session.id)).status, "active");
    assert.equal((await h.sessions.revoke(session.id, { reason: "lost_phone" })).endReason, "lost_phone");
  });

  it("the CLI refuses a system reason with the usage exit code", async () => {
    const store = tempStore();
    const id = await seed(store, async (sessions) => (await sessions.create({ userId: "u-cli" })).session.id);
    const one = await sessiond(["sessions", "revoke", id, "--reason", "expired", "--json"], { SESSIOND_STORE: store });
    assert.equal(one.code, 64, one.stderr);
    const all = await sessiond(["sessions", "revoke-user", "u-cli", "--reason", "session_limit", "--json"], { SESSIOND_STORE: store });
    assert.equal(all.code, 64, all.stderr);
    const status = await seed(store, async (sessions) => (await sessions.get(id)).status);
    assert.equal(status, "active");
  });
});
