/**
 * Scenario 3, HTTP verify on the shared stores: the same `sessiond serve` on PostgreSQL,
 * Redis and the Redis Cluster, each seeded with the same sessions, against the raw HTTP
 * limit on Redis (one HGETALL of the session sessiond wrote, SHA-256, compare).
 */
import { postgresSchema, redisCluster, redisPrefix } from "../lib/backends.js";
import { type Context, type Measurement, PER_USER, seedingNote } from "../lib/context.js";
import { Population } from "../lib/population.js";
import { startServer } from "../lib/processes.js";
import { seedPostgres, seedRedis } from "../lib/seed.js";
import { startSessiond, verifyRequests } from "../lib/serve.js";
import { type Row, check, fmtTimes, zeroErrors } from "../lib/table.js";
import { profileSessiond } from "./http-sqlite.js";

const SCENARIO = "3 HTTP verify, shared stores";

export async function httpStores(ctx: Context): Promise<Row[]> {
  const { options, tmp } = ctx;
  const size = options.sessions;
  const population = await Population.create({ perUser: PER_USER, family: 0 });
  const verify = verifyRequests(population.tokens(options.tokens, size));
  const sessiondOn = (name: string, store: string) =>
    ctx.measureServer(SCENARIO, `sessiond serve, ${name}`, () => startSessiond({ name: `sessiond-${name}`, store, logDir: tmp }), verify);

  const redis = options.redisUrl;
  const prefix = redisPrefix(redis);
  ctx.notes.push(seedingNote("Redis", await seedRedis(redis, prefix, population, 0, size)));
  const raw = await ctx.measureServer(
    SCENARIO,
    "raw HTTP limit: node:http + HGETALL + SHA-256 + compare",
    () =>
      startServer({
        name: "raw-redis",
        script: "bench/servers/raw-redis.mjs",
        env: { BENCH_REDIS_URL: redis, BENCH_REDIS_PREFIX: prefix },
        readyPath: "/",
        logDir: tmp,
      }),
    verify,
  );
  const onRedis = ctx.remember("sessiond-redis", await sessiondOn("Redis", `${redis}?prefix=${prefix}`));
  if (options.profile)
    ctx.notes.push(
      await profileSessiond(
        ctx,
        SCENARIO,
        { name: "sessiond-redis-profiled", store: `${redis}?prefix=${prefix}` },
        verify,
        "sessiond serve (Redis) under verify load, top self time",
      ),
    );

  const cluster = redisCluster();
  const clusterPrefix = redisPrefix(cluster);
  ctx.notes.push(seedingNote("the Redis Cluster", await seedRedis(cluster, clusterPrefix, population, 0, size)));
  const onCluster = await sessiondOn("Redis Cluster (3 masters)", `${cluster}?prefix=${clusterPrefix}`);

  const schema = postgresSchema(options.postgresUrl);
  ctx.notes.push(seedingNote("PostgreSQL", await seedPostgres(options.postgresUrl, schema, population, 0, size)));
  const onPostgres = ctx.remember("sessiond-postgres", await sessiondOn("PostgreSQL", `${options.postgresUrl}?schema=${schema}`));

  const onSqlite = ctx.recall("sessiond-sqlite");
  const vsRaw = (m: Measurement) => `${fmtTimes(m.rps / raw.rps)} raw Redis`;
  const vsSqlite = (m: Measurement) => (onSqlite === undefined ? "" : `; ${fmtTimes(m.rps / onSqlite.rps)} sessiond on SQLite`);
  return [
    { ...raw, ratio: "baseline" },
    {
      ...onRedis,
      ratio: vsRaw(onRedis) + vsSqlite(onRedis),
      checks: [check("sessiond/raw", onRedis.rps / raw.rps, "≥", 0.8), zeroErrors(onRedis.errors ?? 0)],
    },
    { ...onCluster, ratio: vsRaw(onCluster) + vsSqlite(onCluster), checks: [zeroErrors(onCluster.errors ?? 0)] },
    { ...onPostgres, ratio: vsRaw(onPostgres) + vsSqlite(onPostgres), checks: [zeroErrors(onPostgres.errors ?? 0)] },
  ];
}
