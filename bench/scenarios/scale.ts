/**
 * Scenario 4, scale (`--scale`, outside CI): verify, a user's session list and create over
 * HTTP as SQLite grows from 10 thousand to 10 million sessions (and at 1 million on
 * PostgreSQL and Redis), the server's memory with geo-IP off and on, and the sweeper purging
 * 1 million expired sessions while verify traffic runs.
 */
import { join } from "node:path";
import { postgresSchema, redisPrefix } from "../lib/backends.js";
import { type Context, type Measurement, PER_USER } from "../lib/context.js";
import { windowOf } from "../lib/load.js";
import { Population } from "../lib/population.js";
import { waitForQuiet } from "../lib/quiet.js";
import { createSessions, openStore } from "../lib/sessiond.js";
import { type Seeded, seedPostgres, seedRedis, seedSqlite } from "../lib/seed.js";
import { createRequests, listRequests, startSessiond, verifyRequests } from "../lib/serve.js";
import { type Check, type Row, check, fmtTimes, zeroErrors } from "../lib/table.js";
import { rssCheck } from "../lib/verdicts.js";

const SCENARIO = "4 scale";

const count = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n));

function seedRow(where: string, total: number, s: Seeded): Row {
  return {
    scenario: SCENARIO,
    variant: `seed ${where} to ${count(total)} (+${s.count.toLocaleString("en")} through store.insert): ${(s.ms / 1000).toFixed(0)} s`,
    rps: s.count / (s.ms / 1000),
  };
}

interface AtSize {
  verify: Measurement;
  list: Measurement;
  rows: Row[];
}

/** One pass of the sweeper with nothing due, in this process: on SQLite its queries block the server's event loop this long. */
async function idleSweep(label: string, url: string): Promise<Row> {
  const store = await openStore(url);
  try {
    const started = performance.now();
    const done = await createSessions({ store }).sweep();
    const ms = performance.now() - started;
    return { scenario: SCENARIO, variant: `${label}: one sweeper pass with nothing due (${done.expired + done.purged} swept) took ${ms.toFixed(0)} ms` };
  } finally {
    await store.close();
  }
}

/** Verify, list and create loads on one server over `store` holding `size` sessions of `population`. */
async function loadsAt(ctx: Context, where: string, store: string, population: Population, size: number, geoIp: boolean): Promise<AtSize> {
  const { options, tmp } = ctx;
  const label = `${where} ${count(size)}`;
  const server = await startSessiond({ name: `sessiond-${where}-${count(size)}`, store, logDir: tmp });
  try {
    const verify = await ctx.measure(SCENARIO, `${label}: verify`, server, verifyRequests(population.tokens(options.tokens, size)));
    const list = await ctx.measure(
      SCENARIO,
      `${label}: list one user's ${PER_USER} sessions, one request at a time`,
      server,
      listRequests(population.users(options.tokens, size)),
      { sequential: true },
    );
    const newUsers = Array.from({ length: options.tokens }, (_, i) => `new_${i}`);
    const create = await ctx.measure(SCENARIO, `${label}: create`, server, createRequests(newUsers), { prime: false });
    const rows: Row[] = [verify, list, { ...create, checks: [zeroErrors(create.errors ?? 0), rssCheck(create, false)] }];
    await server.stop();
    rows.push(await idleSweep(label, store));
    if (geoIp) {
      const withGeo = await ctx.measureServer(
        SCENARIO,
        `${label}: verify, geo-IP bundled`,
        () => startSessiond({ name: `sessiond-${where}-${count(size)}-geo`, store, logDir: tmp, geoIp: "bundled" }),
        verifyRequests(population.tokens(options.tokens, size)),
      );
      rows.push({ ...withGeo, checks: [rssCheck(withGeo, true)] });
    }
    return { verify, list, rows };
  } finally {
    await server.stop();
  }
}

/**
 * Verify's target: p50 at this size within 1.5× of the smallest. A user's list has no latency
 * target (its target is O(that user's sessions), which test/stores checks by query plan); its
 * ratio is shown: the rows of one user are random pages of a file far larger than memory.
 */
function flat(m: Measurement, base: Measurement, baseLabel: string, target: boolean): Row {
  const ratio = m.p50Ms / base.p50Ms;
  const checks: Check[] = target ? [check(`p50/p50 at ${baseLabel}`, ratio, "≤", 1.5)] : [];
  return { ...m, ratio: `p50 ${fmtTimes(ratio)} at ${baseLabel}`, checks: [...(m.checks ?? []), ...checks] };
}

async function sqliteGrowth(ctx: Context): Promise<Row[]> {
  const path = join(ctx.tmp, "scale.db");
  const population = await Population.create({ perUser: PER_USER, family: 0 });
  const sizes = [...ctx.options.scaleSizes].sort((a, b) => a - b);
  const rows: Row[] = [];
  let first: AtSize | undefined;
  let seeded = 0;
  for (const size of sizes) {
    rows.push(seedRow("SQLite", size, await seedSqlite(path, population, seeded, size)));
    seeded = size;
    const at = await loadsAt(ctx, "SQLite", `sqlite:${path}`, population, size, size >= 1_000_000 || size === sizes.at(-1));
    first ??= at;
    const [verify, list, ...rest] = at.rows;
    rows.push(
      at === first ? verify! : flat(at.verify, first.verify, count(sizes[0]!), true),
      at === first ? list! : flat(at.list, first.list, count(sizes[0]!), false),
      ...rest,
    );
  }
  return rows;
}

async function sharedStores(ctx: Context): Promise<Row[]> {
  const { options } = ctx;
  const size = options.storeScale;
  const population = await Population.create({ perUser: PER_USER, family: 0 });
  const backends = [
    {
      name: "PostgreSQL",
      key: "sessiond-postgres",
      open: () => {
        const schema = postgresSchema(options.postgresUrl);
        return { store: `${options.postgresUrl}?schema=${schema}`, seed: () => seedPostgres(options.postgresUrl, schema, population, 0, size) };
      },
    },
    {
      name: "Redis",
      key: "sessiond-redis",
      open: () => {
        const prefix = redisPrefix(options.redisUrl);
        return { store: `${options.redisUrl}?prefix=${prefix}`, seed: () => seedRedis(options.redisUrl, prefix, population, 0, size) };
      },
    },
  ];
  const rows: Row[] = [];
  for (const backend of backends) {
    const { store, seed } = backend.open();
    rows.push(seedRow(backend.name, size, await seed()));
    const at = await loadsAt(ctx, backend.name, store, population, size, false);
    const small = ctx.recall(backend.key);
    const verify =
      small === undefined ? at.verify : { ...at.verify, ratio: `p50 ${fmtTimes(at.verify.p50Ms / small.p50Ms)} at ${count(options.sessions)} (scenario 3)` };
    rows.push(verify, ...at.rows.slice(1));
  }
  return rows;
}

/**
 * The in-server sweeper purging expired sessions while verify traffic runs, against the same
 * traffic with the sweeper off. The sweeping server's first pass starts SWEEP_DELAY after it
 * listens (time for the load's warm-up); only requests in flight between that instant and the
 * sweep's log line count, so the figures cover exactly the sweep.
 */
async function sweepUnderLoad(ctx: Context): Promise<Row[]> {
  const { options, tmp } = ctx;
  const path = join(tmp, "sweep.db");
  const live = await Population.create({ perUser: PER_USER, family: 0 });
  const expired = await Population.create({ perUser: PER_USER, family: 1, expired: true });
  const rows = [
    seedRow("SQLite live", options.sessions, await seedSqlite(path, live, 0, options.sessions)),
    seedRow("SQLite expired", options.sweepExpired, await seedSqlite(path, expired, 0, options.sweepExpired)),
  ];
  const verify = verifyRequests(live.tokens(options.tokens, options.sessions));
  const store = `sqlite:${path}`;
  const idle = await ctx.measureServer(
    SCENARIO,
    "verify, sweeper off (idle)",
    () => startSessiond({ name: "sessiond-sweep-idle", store, logDir: tmp, sweepIntervalS: 0 }),
    verify,
  );
  const delayS = Math.ceil(options.warmupS) + 5; // SESSIOND_SWEEP_INTERVAL_SECONDS takes whole seconds
  await waitForQuiet(options.quietWaitS * 1000);
  const server = await startSessiond({ name: "sessiond-sweeping", store, logDir: tmp, sweepIntervalS: delayS });
  try {
    const listening = JSON.parse(await server.waitForLine(/"msg":"sessiond listening"/, 10_000)) as { time: number };
    const done = server.waitForLine(/"msg":"sweep"/, 24 * 3_600_000);
    const run = await ctx.measure(SCENARIO, "verify while the sweeper runs", server, verify, { until: done, samples: true, quiet: false });
    const swept = JSON.parse(await done) as { time: number; purged: number };
    const during = { ...run, ...windowOf(run.samplesFile!, listening.time + delayS * 1000, swept.time) };
    const ratio = during.p99Ms / idle.p99Ms;
    rows.push(
      { ...idle, ratio: `worst ${idle.maxMs.toFixed(1)} ms` },
      {
        ...during,
        variant: `verify while the in-server sweeper purges ${swept.purged.toLocaleString("en")} expired sessions (${during.seconds.toFixed(0)} s)`,
        ratio: `p99 ${fmtTimes(ratio)} idle; worst ${during.maxMs.toFixed(1)} ms (${fmtTimes(during.maxMs / idle.maxMs)} idle)`,
        checks: [check("p99/idle p99", ratio, "<", 3), zeroErrors(during.errors ?? 0)],
      },
    );
  } finally {
    await server.stop();
  }
  return rows;
}

export async function scale(ctx: Context): Promise<Row[]> {
  return [...(await sqliteGrowth(ctx)), ...(await sharedStores(ctx)), ...(await sweepUnderLoad(ctx))];
}
