/**
 * Scenario 3, HTTP verify on the shared stores: the same `sessiond serve` (strict, geo-IP at
 * its default) on Redis at each of `--connections`, against the raw HTTP limit on Redis (one
 * HGETALL of the session sessiond wrote, SHA-256, compare); at the headline count only, Redis
 * with geo-IP off and under create load (memory), the Redis Cluster and PostgreSQL, each seeded
 * with the same sessions.
 */
import { postgresSchema, redisCluster, redisPrefix } from "../lib/backends.js";
import { type Context, type Measurement, type MeasureMode, PER_USER, seedingNote } from "../lib/context.js";
import { Population } from "../lib/population.js";
import { startServer } from "../lib/processes.js";
import { seedPostgres, seedRedis } from "../lib/seed.js";
import { type GeoIpSetting, geoIpLabel, startSessiond, verifyRequests } from "../lib/serve.js";
import { type Row, fmtTimes, zeroErrors } from "../lib/table.js";
import { atLeast, ratioText, rssCheck, versus } from "../lib/verdicts.js";
import { createLoad, createRow, profileSessiond } from "./http-sqlite.js";

const SCENARIO = "3 HTTP verify, shared stores";

export async function httpStores(ctx: Context): Promise<Row[]> {
  const { options, tmp } = ctx;
  const size = options.sessions;
  const population = await Population.create({ perUser: PER_USER, family: 0 });
  const verify = verifyRequests(population.tokens(options.tokens, size));
  const headline: MeasureMode = { connections: options.connections[0]! };
  const sessiond =
    (name: string, store: string, geoIp: GeoIpSetting = "default") =>
    () =>
      startSessiond({ name: `sessiond-${name.replace(/\W+/g, "-")}`, store, logDir: tmp, geoIp });

  const redis = options.redisUrl;
  const prefix = redisPrefix(redis);
  const onRedisUrl = `${redis}?prefix=${prefix}`;
  ctx.notes.push(seedingNote("Redis", await seedRedis(redis, prefix, population, 0, size)));
  const raw = await ctx.measureServerEach(
    SCENARIO,
    "raw limit: node:http + ioredis HGETALL + SHA-256 + timingSafeEqual",
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
  // As on SQLite: one server at the defaults for verify then create load, one with geo-IP off.
  const [onRedis, create] = await ctx.withServer(
    sessiond("redis", onRedisUrl),
    async (server) =>
      [
        await ctx.measureEach(SCENARIO, `sessiond verify on Redis, no activity due, ${geoIpLabel("default")}`, server, verify),
        await createLoad(ctx, SCENARIO, server, "default"),
      ] as const,
  );
  ctx.remember("sessiond-redis", onRedis[0]!);
  const [geoOff, createGeoOff] = await ctx.withServer(
    sessiond("redis-geo-off", onRedisUrl, "off"),
    async (server) =>
      [
        await ctx.measure(SCENARIO, "sessiond verify on Redis, no activity due, geo-IP off", server, verify, headline),
        await createLoad(ctx, SCENARIO, server, "off"),
      ] as const,
  );
  if (options.profile)
    ctx.notes.push(
      await profileSessiond(
        ctx,
        SCENARIO,
        { name: "sessiond-redis-profiled", store: onRedisUrl, geoIp: "default" },
        verify,
        "sessiond serve (Redis) under verify load, top self time",
      ),
    );

  const cluster = redisCluster();
  const clusterPrefix = redisPrefix(cluster);
  ctx.notes.push(seedingNote("the Redis Cluster", await seedRedis(cluster, clusterPrefix, population, 0, size)));
  const onCluster = await ctx.measureServer(
    SCENARIO,
    "sessiond verify on the Redis Cluster (3 masters), no activity due",
    sessiond("cluster", `${cluster}?prefix=${clusterPrefix}`),
    verify,
    headline,
  );

  const schema = postgresSchema(options.postgresUrl);
  ctx.notes.push(seedingNote("PostgreSQL", await seedPostgres(options.postgresUrl, schema, population, 0, size)));
  const onPostgres = ctx.remember(
    "sessiond-postgres",
    await ctx.measureServer(
      SCENARIO,
      "sessiond verify on PostgreSQL, no activity due",
      sessiond("postgres", `${options.postgresUrl}?schema=${schema}`),
      verify,
      headline,
    ),
  );

  const onSqlite = ctx.recall("sessiond-sqlite");
  const vsSqlite = (m: Measurement) => (onSqlite === undefined ? "" : `; ${fmtTimes(m.rps / onSqlite.rps)} sessiond on SQLite`);
  const vsRaw = (m: Measurement) => ratioText(versus(m, raw[0]!), "raw Redis") + vsSqlite(m);
  return [
    ...raw.map((m) => ({ ...m, ratio: "baseline" })),
    ...onRedis.map((m, i) => {
      const v = versus(m, raw[i]!);
      const targets = i === 0 ? [...atLeast("vs raw Redis", v, 0.8), rssCheck(m, "default")] : [];
      return { ...m, ratio: ratioText(v, "raw Redis") + (i === 0 ? vsSqlite(m) : ""), checks: [...targets, zeroErrors(m.errors ?? 0)] };
    }),
    { ...geoOff, ratio: vsRaw(geoOff), checks: [rssCheck(geoOff, "off"), zeroErrors(geoOff.errors ?? 0)] },
    createRow(create, "default"),
    createRow(createGeoOff, "off"),
    { ...onCluster, ratio: vsRaw(onCluster), checks: [zeroErrors(onCluster.errors ?? 0)] },
    { ...onPostgres, ratio: vsRaw(onPostgres), checks: [zeroErrors(onPostgres.errors ?? 0)] },
  ];
}
