import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { wireStats } from "../../src/http/wire.js";
import { jsonOf, seed, sessiond, tempStore } from "./run.js";

type WireStats = ReturnType<typeof wireStats>;

describe("sessiond stats", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };
  let all: WireStats;
  let acme: WireStats;

  before(async () => {
    ({ all, acme } = await seed(store, async (sessions) => {
      const ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
      for (const userId of ["u1", "u2", "u3"]) await sessions.create({ tenantId: "acme", userId, ip: "203.0.113.7", userAgent: ua });
      const { session } = await sessions.create({ tenantId: "acme", userId: "u4" });
      await sessions.revoke(session.id);
      await sessions.create({ tenantId: "other", userId: "u9", ip: "203.0.113.8", userAgent: ua });
      // As JSON, the form --json prints (count maps have no prototype in memory).
      const asJson = (stats: WireStats) => JSON.parse(JSON.stringify(stats)) as WireStats;
      return { all: asJson(wireStats(await sessions.stats())), acme: asJson(wireStats(await sessions.stats({ tenantId: "acme" }))) };
    }));
  });

  it("--json is the REST stats object, for all tenants or one", async () => {
    assert.equal(all.active_sessions, 4, "seed sanity");
    assert.deepEqual(jsonOf(await sessiond(["stats", "--json"], env)), all);
    const one = jsonOf<WireStats>(await sessiond(["stats", "--tenant", "acme", "--json"], env));
    assert.deepEqual(one, acme);
    assert.equal(one.active_sessions, 3);
    assert.equal(one.by_status.revoked, 1);
  });

  it("human output summarises counts by status, place and device", async () => {
    const run = await sessiond(["stats", "--tenant", "acme"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^tenant acme: 3 active session\\(s\\) of ${acme.distinct_users} user\\(s\\)$`, "m"));
    assert.match(run.stdout, /^by status: +active 3, revoked 1$/m);
    assert.match(run.stdout, /^by country: +DE 3$/m);
    assert.match(run.stdout, /^by browser: +Firefox 3$/m);
    assert.match(run.stdout, /^by device type: +desktop 3$/m);
    const everyone = await sessiond(["stats"], env);
    assert.match(everyone.stdout, /^all tenants: 4 active session\(s\)/m);
  });

  it("a malformed --tenant is request_invalid (64)", async () => {
    const run = await sessiond(["stats", "--tenant", "Bad Tenant"], env);
    assert.equal(run.code, 64);
    assert.match(run.stderr, /^sessiond: request_invalid: tenant_id /);
  });
});
