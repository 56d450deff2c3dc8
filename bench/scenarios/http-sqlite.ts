/**
 * Scenario 2, HTTP verify on SQLite: the real `sessiond serve` on the shared SQLite file,
 * loaded from a separate process, against the raw HTTP limit on the same data, Fastify's
 * ceiling, and the peers (better-auth, express-session + connect-redis).
 */
import { redisPrefix } from "../lib/backends.js";
import type { Context, Measurement } from "../lib/context.js";
import { startBetterAuth, startExpressSession, type PeerRun } from "../lib/peers.js";
import { startServer } from "../lib/processes.js";
import { summariseProfile } from "../lib/profile.js";
import { type ServeOptions, startSessiond, verifyRequests } from "../lib/serve.js";
import { type Row, check, fmtTimes, zeroErrors } from "../lib/table.js";

const SCENARIO = "2 HTTP verify, SQLite";
/** Geo-IP data held in memory once loaded (DEPENDENCIES.md: ~143 MB); the memory target is on top of it. */
export const GEO_IP_MB = 140;
export const RSS_LIMIT_MB = 150;

export function rssCheck(m: Measurement, geoIp: boolean) {
  return check("RSS", m.rssMb ?? NaN, "<", RSS_LIMIT_MB + (geoIp ? GEO_IP_MB : 0), " MB");
}

export async function httpSqlite(ctx: Context): Promise<Row[]> {
  const { options, tmp } = ctx;
  const data = await ctx.sqlite();
  const verify = verifyRequests(data.population.tokens(options.tokens, data.size));
  const store = `sqlite:${data.path}`;
  const measurePeer = async (variant: string, start: () => Promise<PeerRun>) => {
    const peer = await start();
    try {
      return await ctx.measure(SCENARIO, variant, peer.server, peer.requests);
    } finally {
      await peer.server.stop();
    }
  };

  const raw = await ctx.measureServer(
    SCENARIO,
    "raw HTTP limit: node:http + PK read + SHA-256 + compare",
    () => startServer({ name: "raw-sqlite", script: "bench/servers/raw-sqlite.mjs", env: { BENCH_SQLITE: data.path }, readyPath: "/", logDir: tmp }),
    verify,
  );
  const sessiond = ctx.remember(
    "sessiond-sqlite",
    await ctx.measureServer(
      SCENARIO,
      "sessiond serve (defaults: strict, no access log, geo-IP off)",
      () => startSessiond({ name: "sessiond-sqlite", store, logDir: tmp }),
      verify,
    ),
  );
  const logged = await ctx.measureServer(
    SCENARIO,
    "sessiond serve, SESSIOND_LOG_REQUESTS=true (one access line per request)",
    () => startSessiond({ name: "sessiond-sqlite-access-log", store, logDir: tmp, logRequests: true }),
    verify,
  );
  const geo = await ctx.measureServer(
    SCENARIO,
    "sessiond serve, geo-IP bundled",
    () => startSessiond({ name: "sessiond-sqlite-geo", store, logDir: tmp, geoIp: "bundled" }),
    verify,
  );
  const cached = await ctx.measureServer(
    SCENARIO,
    "sessiond serve, SESSIOND_VERIFY_CACHE=true",
    () => startSessiond({ name: "sessiond-sqlite-cache", store, logDir: tmp, verifyCache: true }),
    verify,
  );
  const hello = await ctx.measureServer(
    SCENARIO,
    "Fastify hello-world, constant reply of a verify's size",
    () =>
      startServer({
        name: "fastify-hello",
        script: "bench/servers/fastify-hello.mjs",
        env: { BENCH_REPLY_BYTES: String(sessiond.replyBytes) },
        readyPath: "/",
        logDir: tmp,
      }),
    verify,
  );
  const betterAuth = await measurePeer("better-auth get-session (SQLite, cookie cache off)", () => startBetterAuth(tmp, tmp, options.tokens, data.size));
  const express = await measurePeer("express-session + connect-redis", () =>
    startExpressSession(options.redisUrl, redisPrefix(options.redisUrl), tmp, options.tokens),
  );

  const rss = (m: Measurement) => `${m.startRssMb.toFixed(0)} MB after start, ${m.rssMb!.toFixed(0)} MB peak`;
  ctx.notes.push(
    `sessiond serve's resident set (SQLite, ${data.size.toLocaleString("en")} sessions): geo-IP off ${rss(sessiond)}; geo-IP bundled ${rss(geo)} under verify load.`,
  );
  if (options.profile) {
    ctx.notes.push(
      await profileSessiond(ctx, SCENARIO, { name: "sessiond-profiled", store }, verify, "sessiond serve (SQLite, defaults) under verify load, top self time"),
    );
    ctx.notes.push(
      await profileSessiond(
        ctx,
        SCENARIO,
        { name: "sessiond-profiled-cache", store, verifyCache: true },
        verify,
        "sessiond serve (SQLite, SESSIOND_VERIFY_CACHE=true) under verify load, top self time",
      ),
    );
  }

  const vsRaw = (m: Measurement) => m.rps / raw.rps;
  const peer = (m: Measurement, min: number): Row => ({
    ...m,
    ratio: `sessiond ${fmtTimes(sessiond.rps / m.rps)} this`,
    checks: [check("sessiond/this", sessiond.rps / m.rps, "≥", min)],
  });
  return [
    { ...raw, ratio: "baseline" },
    {
      ...sessiond,
      ratio: `${fmtTimes(vsRaw(sessiond))} raw`,
      checks: [check("sessiond/raw", vsRaw(sessiond), "≥", 0.8), zeroErrors(sessiond.errors ?? 0), rssCheck(sessiond, false)],
    },
    { ...logged, ratio: `${fmtTimes(vsRaw(logged))} raw`, checks: [zeroErrors(logged.errors ?? 0)] },
    { ...geo, ratio: `${fmtTimes(vsRaw(geo))} raw`, checks: [zeroErrors(geo.errors ?? 0), rssCheck(geo, true)] },
    {
      ...cached,
      ratio: `${fmtTimes(vsRaw(cached))} raw; ${fmtTimes(cached.rps / hello.rps)} Fastify hello-world`,
      checks: [check("cache/Fastify hello", cached.rps / hello.rps, "≥", 0.8), zeroErrors(cached.errors ?? 0)],
    },
    { ...hello, ratio: `${fmtTimes(vsRaw(hello))} raw; sessiond ${fmtTimes(sessiond.rps / hello.rps)} this` },
    peer(betterAuth, 10),
    peer(express, 2),
  ];
}

/** One more sessiond run under `node --cpu-prof` (not in the table: profiling slows it down). */
export async function profileSessiond(
  ctx: Context,
  scenario: string,
  serve: Omit<ServeOptions, "logDir" | "cpuProfileDir">,
  verify: ReturnType<typeof verifyRequests>,
  title: string,
): Promise<string> {
  const dir = `${ctx.tmp}/profile-${serve.name}`;
  const server = await startSessiond({ ...serve, logDir: ctx.tmp, cpuProfileDir: dir });
  await ctx.measure(scenario, "profiled", server, verify);
  await server.stop();
  return summariseProfile(dir, 15, title);
}
