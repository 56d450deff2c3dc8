/**
 * Scenario 6, heavy reads (`--only heavy-reads`, outside the default run: it seeds 1 M
 * sessions): on SQLite, one client running stats, a list page at offset 10 000 and a
 * who-is-online page one after another in a loop, while 50 connections verify. Target
 * (issue 13): verify p99 within 3× its value without that client, both measured in this run
 * on the same server. The heavy calls' own latencies, one at a time, are shown too.
 */
import { join } from "node:path";
import { type Context, type Measurement, PER_USER } from "../lib/context.js";
import { type HeavyCallResult, startHeavyClient } from "../lib/heavy-client.js";
import { Population, TENANT } from "../lib/population.js";
import { seedSqlite } from "../lib/seed.js";
import { heavyReadRequests, startSessiond, verifyRequests } from "../lib/serve.js";
import { type Row, check, fmtTimes, zeroErrors } from "../lib/table.js";

const SCENARIO = "6 heavy reads, SQLite";
/** The verify load of the target. */
const CONNECTIONS = 50;
/** The deepest page a list accepts (src/core/input.ts MAX_OFFSET). */
const DEEPEST_OFFSET = 10_000;

const count = (n: number) => (n >= 1e6 ? `${n / 1e6} M` : n >= 1e3 ? `${n / 1e3} k` : String(n));

export async function heavyReads(ctx: Context): Promise<Row[]> {
  const { options, tmp } = ctx;
  const size = options.heavySessions;
  const path = join(tmp, "heavy.db");
  const population = await Population.create({ perUser: PER_USER, family: 0 });
  const seeded = await seedSqlite(path, population, 0, size);
  const rows: Row[] = [
    {
      scenario: SCENARIO,
      variant: `seed ${count(size)} sessions of ${count(size / PER_USER)} users in one tenant (through store.insert): ${(seeded.ms / 1000).toFixed(0)} s`,
      rps: seeded.count / (seeded.ms / 1000),
    },
  ];
  const server = await startSessiond({ name: "sessiond-heavy-reads", store: `sqlite:${path}`, logDir: tmp });
  try {
    const calls = heavyReadRequests(TENANT, DEEPEST_OFFSET);
    for (const call of calls)
      rows.push(await ctx.measure(SCENARIO, `${call.name} over ${count(size)} sessions, one at a time`, server, [call.request], { sequential: true }));
    const verify = verifyRequests(population.tokens(options.tokens, size));
    const alone = await ctx.measure(SCENARIO, `verify, ${CONNECTIONS} connections`, server, verify, { connections: CONNECTIONS });
    const client = startHeavyClient(server.url, calls);
    let loaded: Measurement;
    let heavy: HeavyCallResult[];
    try {
      loaded = await ctx.measure(
        SCENARIO,
        `verify, ${CONNECTIONS} connections, while one client loops ${calls.map((c) => c.name).join(" → ")}`,
        server,
        verify,
        { connections: CONNECTIONS },
      );
    } finally {
      heavy = await client.stop();
    }
    const ratio = loaded.p99Ms / alone.p99Ms;
    const heavyErrors = heavy.reduce((sum, h) => sum + h.errors, 0);
    rows.push(
      { ...alone, ratio: "baseline", checks: [zeroErrors(alone.errors ?? 0)] },
      {
        ...loaded,
        ratio: `p99 ${fmtTimes(ratio)} without the client`,
        checks: [check("p99/p99 without", ratio, "<", 3), zeroErrors((loaded.errors ?? 0) + heavyErrors)],
      },
    );
    ctx.notes.push(
      `Heavy-reads client during the loaded verify run (scenario 6, ${count(size)} sessions): ` +
        heavy
          .map((h) => `${h.name} ×${h.count} (p50 ${h.p50Ms.toFixed(1)} ms, p99 ${h.p99Ms.toFixed(1)} ms${h.errors > 0 ? `, ${h.errors} errors` : ""})`)
          .join("; ") +
        ".",
    );
    return rows;
  } finally {
    await server.stop();
  }
}
