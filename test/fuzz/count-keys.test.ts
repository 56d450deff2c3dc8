/**
 * Fuzzing of the maps keyed by what clients send (issue 13): client hints name the browser and
 * the OS, so `GET /v1/stats` and `GET /v1/users` count under keys an attacker chooses. Generated
 * brands, platforms and user ids (Object.prototype's member names above all) go in through
 * `POST /v1/sessions` with the real enricher; every stats view must answer 200 with exactly the
 * counts of what the sessions themselves report, each name an ordinary key. FUZZ_SEED replays.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import fc from "fast-check";
import { createEnricher } from "../../src/enrich/index.js";
import { harness, type Harness } from "../http/harness.js";
import { shortText } from "./values.js";

const SEED = process.env.FUZZ_SEED === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(process.env.FUZZ_SEED);
const RUNS = 60;

/** Names that are properties of every plain object, and so break `counts[name] ?? 0`. */
const PROTO_NAMES = [...Object.getOwnPropertyNames(Object.prototype), "prototype"];
const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...PROTO_NAMES) }, { weight: 1, arbitrary: shortText });

const made = fc.record({ userId: name, platform: name, brand: name });

/** Own keys only, `__proto__` included (JSON.parse makes it an ordinary key). */
function tally(values: (string | null)[]): Record<string, number> {
  const out = Object.create(null) as Record<string, number>;
  for (const v of values) {
    const key = v ?? "unknown";
    out[key] = (Object.hasOwn(out, key) ? out[key]! : 0) + 1;
  }
  return out;
}

const sorted = (counts: Record<string, number>) => Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

describe("stats and who-is-online under fuzzed device names", () => {
  let h: Harness;
  let round = 0;
  before(async () => (h = await harness({}, {}, createEnricher({ geoIp: "off" }))));
  after(async () => h.close());

  it(`counts ${RUNS} generated sets of brands, platforms and users as ordinary keys in every view`, { timeout: 120_000 }, async (t) => {
    t.diagnostic(`seed ${SEED} (rerun with FUZZ_SEED=${SEED})`);
    const property = fc.asyncProperty(fc.array(made, { minLength: 1, maxLength: 6 }), async (sessions) => {
      const tenant = `fuzz-${++round}`;
      const activities: { os_name: string | null; browser_name: string | null; user_id: string }[] = [];
      for (const s of sessions) {
        const hints = { sec_ch_ua: `"${s.brand}";v="1"`, sec_ch_ua_platform: `"${s.platform}"`, sec_ch_ua_mobile: "?0" };
        const response = await h.call("POST", "/v1/sessions", { body: { user_id: s.userId, tenant_id: tenant, client_hints: hints } });
        assert.ok(response.statusCode < 500, `create: ${response.statusCode} ${response.body}`);
        if (response.statusCode !== 200) continue; // text the input rules refuse never reaches the counts
        const body = response.json() as { user_id: string; latest_activity: { os_name: string | null; browser_name: string | null } };
        activities.push({ ...body.latest_activity, user_id: body.user_id });
      }
      for (const [label, url] of [
        ["root", `/v1/stats?tenant_id=${tenant}`],
        ["all tenants", "/v1/stats"],
      ] as const) {
        const response = await h.call("GET", url);
        assert.equal(response.statusCode, 200, `${label} stats: ${response.body}`);
        if (label === "all tenants") continue; // other rounds' tenants are in it; it only has to answer
        const stats = JSON.parse(response.body) as {
          active_sessions: number;
          distinct_users: number;
          by_os: Record<string, number>;
          by_browser: Record<string, number>;
        };
        assert.equal(stats.active_sessions, activities.length);
        assert.equal(stats.distinct_users, new Set(activities.map((a) => a.user_id)).size);
        assert.deepEqual(sorted(stats.by_os), sorted(tally(activities.map((a) => a.os_name))), `by_os: ${response.body}`);
        assert.deepEqual(sorted(stats.by_browser), sorted(tally(activities.map((a) => a.browser_name))), `by_browser: ${response.body}`);
      }
      const users = await h.call("GET", `/v1/users?tenant_id=${tenant}&limit=500`);
      assert.equal(users.statusCode, 200, users.body);
      const online = (users.json() as { data: { user_id: string; active_sessions: number }[] }).data.map(
        (u) => [u.user_id, u.active_sessions] as [string, number],
      );
      assert.deepEqual(
        online.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        sorted(tally(activities.map((a) => a.user_id))),
      );
    });
    await fc.assert(property, { numRuns: RUNS, seed: SEED, includeErrorInReport: true });
  });
});
