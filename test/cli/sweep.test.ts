import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import type { Clock } from "../../src/core/clock.js";
import { jsonOf, seed, sessiond, tempStore } from "./run.js";

const HOUR = 3_600_000;
const anHourAgo: Clock = { now: () => Date.now() - HOUR };
const progressLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("swept: "));

describe("sessiond sweep", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };
  let live: string;
  let expired: string;

  before(async () => {
    ({ live, expired } = await seed(
      store,
      async (sessions) => {
        const ids: string[] = [];
        for (const userId of ["u1", "u2", "u3"]) ids.push((await sessions.create({ userId, lifetimeMs: 60_000 })).session.id);
        await sessions.create({ userId: "u4", inactivityTimeoutMs: 60_000 });
        return { live: (await sessions.create({ userId: "u5", lifetimeMs: 2 * HOUR })).session.id, expired: ids[0]! };
      },
      anHourAgo,
    ));
  });

  it("writes passed deadlines, with progress on stderr and totals on stdout", async () => {
    const run = await sessiond(["sweep", "--json"], env);
    assert.deepEqual(jsonOf(run), { expired: 3, abandoned: 1, purged: 0 });
    assert.deepEqual(progressLines(run.stderr), ["swept: 3 expired, 1 abandoned, 0 purged…"]);
    const again = await sessiond(["sweep"], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, "sweep done: 0 expired, 0 abandoned, 0 purged\n", "the first sweep's writes persisted");
  });

  it("purges sessions ended longer than the retention ago, and only those", async () => {
    const run = await sessiond(["sweep", "--json"], { ...env, SESSIOND_RETENTION_SECONDS: "60" });
    assert.deepEqual(jsonOf(run), { expired: 0, abandoned: 0, purged: 4 });
    const gone = await sessiond(["sessions", "show", expired], env);
    assert.equal(gone.code, 66);
    assert.match(gone.stderr, /^sessiond: resource_not_found: /);
    assert.equal(jsonOf<{ status: string }>(await sessiond(["sessions", "show", live, "--json"], env)).status, "active");
  });

  it("refuses a --max-batches that is not a positive integer (64)", async () => {
    for (const value of ["0", "-2", "many", "1.5"]) {
      const run = await sessiond(["sweep", "--max-batches", value], env);
      assert.equal(run.code, 64, value);
      assert.match(run.stderr, /^sessiond: request_invalid: --max-batches must be/, value);
    }
  });
});

describe("sessiond sweep in batches", () => {
  const store = tempStore();
  const env = { SESSIOND_STORE: store };

  before(async () => {
    // Just over two batches of 1000, so one run must report each batch.
    await seed(
      store,
      async (sessions) => {
        for (let i = 0; i < 2001; i++) await sessions.create({ userId: `u${i}`, lifetimeMs: 60_000 });
      },
      anHourAgo,
    );
  });

  it("--max-batches stops early, and a full sweep prints one progress line per batch", async () => {
    const one = await sessiond(["sweep", "--max-batches", "1", "--json"], env);
    assert.deepEqual(jsonOf(one), { expired: 1000, abandoned: 0, purged: 0 });
    assert.deepEqual(progressLines(one.stderr), ["swept: 1000 expired, 0 abandoned, 0 purged…"]);
    const rest = await sessiond(["sweep"], env);
    assert.equal(rest.code, 0, rest.stderr);
    assert.deepEqual(progressLines(rest.stderr), ["swept: 1000 expired, 0 abandoned, 0 purged…", "swept: 1001 expired, 0 abandoned, 0 purged…"]);
    assert.equal(rest.stdout, "sweep done: 1001 expired, 0 abandoned, 0 purged\n");
  });
});
