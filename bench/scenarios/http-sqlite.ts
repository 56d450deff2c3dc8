/**
 * Scenario 2, HTTP verify on SQLite (the shared file, strict mode, geo-IP at its default): the
 * real `sessiond serve`, loaded from a separate process at each of `--connections` (50, then
 * 8), with no activity due and with activity due on every request, against the raw HTTP limit
 * on the same data, Fastify's hello-world and the peers (better-auth, express-session +
 * connect-redis), and create load. Then, at the headline count only: geo-IP off under verify
 * and create load (memory), the access log, the verify cache.
 */
import { type ActivityDueRun, measureActivityDue, metric, WRITES, writtenCheck } from "../lib/activity-check.js";
import { redisPrefix } from "../lib/backends.js";
import type { Context, Measurement, MeasureMode } from "../lib/context.js";
import type { HttpRequest } from "../lib/load.js";
import { startBetterAuth, startExpressSession, type PeerRun } from "../lib/peers.js";
import { type Server, startServer } from "../lib/processes.js";
import { summariseProfile } from "../lib/profile.js";
import { activityDueVerify, createRequests, type GeoIpSetting, geoIpLabel, type ServeOptions, startSessiond, verifyRequests } from "../lib/serve.js";
import { type Check, type Row, check, fmtTimes, zeroErrors } from "../lib/table.js";
import { atLeast, ratioText, rssCheck, versus } from "../lib/verdicts.js";

const SCENARIO = "2 HTTP verify, SQLite";

/** Rows at the headline connection count carry the targets; the others show their ratios. */
const headlineOnly = (i: number, checks: Check[]): Check[] => (i === 0 ? checks : []);

export async function httpSqlite(ctx: Context): Promise<Row[]> {
  const { options, tmp } = ctx;
  const data = await ctx.sqlite();
  const tokens = data.population.tokens(options.tokens, data.size);
  const verify = verifyRequests(tokens);
  const store = `sqlite:${data.path}`;
  const headline: MeasureMode = { connections: options.connections[0]! };
  const sessiond =
    (name: string, more: Partial<ServeOptions> = {}) =>
    () =>
      startSessiond({ name, store, logDir: tmp, geoIp: "default", ...more });
  const each = async (variant: string, start: () => Promise<Server>) => ctx.measureServerEach(SCENARIO, variant, start, verify);
  const eachPeer = async (variant: string, start: () => Promise<PeerRun>) => {
    const peer = await start();
    try {
      return await ctx.measureEach(SCENARIO, variant, peer.server, peer.requests);
    } finally {
      await peer.server.stop();
    }
  };

  const raw = await each("raw limit: node:http + better-sqlite3 PK read + SHA-256 + timingSafeEqual", () =>
    startServer({ name: "raw-sqlite", script: "bench/servers/raw-sqlite.mjs", env: { BENCH_SQLITE: data.path }, readyPath: "/", logDir: tmp }),
  );
  // One server for the lines at the deployment's defaults: no activity due, activity due,
  // then create load (each load's peak RSS is its own: see Server.resetPeakRss).
  const [hot, due, create] = await ctx.withServer(
    sessiond("sessiond-sqlite"),
    async (server) =>
      [
        await noActivityDue(ctx, server, verify),
        await measureActivityDue(
          ctx,
          SCENARIO,
          `sessiond verify, activity due on every request (each verify of a token from a new IP), ${geoIpLabel("default")}`,
          server,
          tokens,
        ),
        await createLoad(ctx, SCENARIO, server, "default"),
      ] as const,
  );
  ctx.remember("sessiond-sqlite", hot[0]!);
  const betterAuth = await eachPeer("better-auth get-session (SQLite, cookie cache off)", () => startBetterAuth(tmp, tmp, options.tokens, data.size));
  const express = await eachPeer("express-session + connect-redis", () =>
    startExpressSession(options.redisUrl, redisPrefix(options.redisUrl), tmp, options.tokens),
  );
  const hello = await each("Fastify hello-world, constant reply of a verify's size", () =>
    startServer({
      name: "fastify-hello",
      script: "bench/servers/fastify-hello.mjs",
      env: { BENCH_REPLY_BYTES: String(hot[0]!.replyBytes) },
      readyPath: "/",
      logDir: tmp,
    }),
  );

  const once = (variant: string, start: () => Promise<Server>) => ctx.measureServer(SCENARIO, variant, start, verify, headline);
  const [geoOff, createGeoOff] = await ctx.withServer(
    sessiond("sessiond-sqlite-geo-off", { geoIp: "off" }),
    async (server) =>
      [
        await ctx.measure(SCENARIO, "sessiond verify, no activity due, geo-IP off", server, verify, headline),
        await createLoad(ctx, SCENARIO, server, "off"),
      ] as const,
  );
  // Variants of the server's settings, not of the code measured: a smoke run leaves them out.
  const settings: Row[] = [];
  if (!options.quick) {
    const logged = await once(
      "sessiond verify, no activity due, SESSIOND_LOG_REQUESTS=true (one access line per request)",
      sessiond("sessiond-sqlite-access-log", { logRequests: true }),
    );
    const cached = await once("sessiond verify, no activity due, SESSIOND_VERIFY_CACHE=true", sessiond("sessiond-sqlite-cache", { verifyCache: true }));
    settings.push(
      { ...logged, ratio: ratioText(versus(logged, raw[0]!), "raw"), checks: [zeroErrors(logged.errors ?? 0)] },
      {
        ...cached,
        ratio: `${ratioText(versus(cached, raw[0]!), "raw")}; ${fmtTimes(cached.rps / hello[0]!.rps)} Fastify hello-world`,
        checks: [check("cache ÷ Fastify hello by req/s", cached.rps / hello[0]!.rps, "≥", 0.8), zeroErrors(cached.errors ?? 0)],
      },
    );
  }

  const rss = (m: Measurement) => `${m.startRssMb.toFixed(0)} MB after start, ${m.rssMb!.toFixed(0)} MB peak`;
  ctx.notes.push(
    `sessiond serve's resident set (SQLite, ${data.size.toLocaleString("en")} sessions, ${headline.connections} connections): ${geoIpLabel("default")} ${rss(hot[0]!)}; geo-IP off ${rss(geoOff)} under verify load.`,
  );
  if (options.profile) {
    const top = (name: string, more: Partial<ServeOptions>, title: string, mode: MeasureMode = {}) =>
      profileSessiond(
        ctx,
        SCENARIO,
        { name, store, geoIp: "default", ...more },
        verify,
        `sessiond serve (SQLite, ${title}) under verify load, top self time`,
        mode,
      );
    ctx.notes.push(
      await top("sessiond-profiled", {}, "defaults"),
      await top("sessiond-profiled-activity", {}, "defaults, activity due on every request", { vary: activityDueAfter(due, tokens) }),
      await top("sessiond-profiled-cache", { verifyCache: true }, "SESSIOND_VERIFY_CACHE=true"),
    );
  }

  return [
    ...raw.map((m) => ({ ...m, ratio: "baseline" })),
    ...hot.map((m, i) => {
      const v = versus(m, raw[i]!);
      return {
        ...m,
        ratio: ratioText(v, "raw"),
        checks: [...headlineOnly(i, [...atLeast("vs raw", v, 0.8), rssCheck(m, "default")]), zeroErrors(m.errors ?? 0)],
      };
    }),
    ...due.map(({ measurement: m, written }, i) => {
      const v = versus(m, raw[i]!);
      const p99 = m.p99Ms / hot[i]!.p99Ms;
      return {
        ...m,
        ratio: `${ratioText(v, "raw")}; p99 ${fmtTimes(p99)} no-activity p99`,
        checks: [
          ...headlineOnly(i, [...atLeast("vs raw", v, 0.4), check("p99 ÷ no-activity p99", p99, "≤", 3), rssCheck(m, "default")]),
          writtenCheck(written),
          zeroErrors(m.errors ?? 0),
        ],
      };
    }),
    ...peerRows(betterAuth, raw, hot, due, 10),
    ...peerRows(express, raw, hot, due, 2),
    ...hello.map((m, i) => ({ ...m, ratio: `${ratioText(versus(m, raw[i]!), "raw")}; sessiond ${fmtTimes(hot[i]!.rps / m.rps)} this` })),
    { ...geoOff, ratio: ratioText(versus(geoOff, raw[0]!), "raw"), checks: [rssCheck(geoOff, "off"), zeroErrors(geoOff.errors ?? 0)] },
    ...settings,
    createRow(create, "default"),
    createRow(createGeoOff, "off"),
  ];
}

/**
 * Verify with no activity due at each connection count; where the server counts its activity
 * writes, the note says how many it made during these loads (the warm-up's priming verifies
 * record any activity that came due, so the loads themselves should write none).
 */
async function noActivityDue(ctx: Context, server: Server, verify: HttpRequest[]): Promise<Measurement[]> {
  const before = await metric(server, WRITES);
  const runs = await ctx.measureEach(
    SCENARIO,
    `sessiond verify, no activity due (token reused from the same IP and UA), ${geoIpLabel("default")}`,
    server,
    verify,
  );
  const written = (await metric(server, WRITES)) - before;
  if (!Number.isNaN(written))
    ctx.notes.push(
      `No activity due: ${WRITES} grew by ${written.toLocaleString("en")} over these loads (priming included: one verify of each of the ${verify.length.toLocaleString("en")} tokens before each load records activity that came due).`,
    );
  return runs;
}

/** A peer's rows: how many times sessiond's verify (no activity due, and activity due) beats it, by req/s and by CPU per request. */
function peerRows(peer: Measurement[], raw: Measurement[], hot: Measurement[], due: ActivityDueRun[], min: number): Row[] {
  return peer.map((m, i) => {
    const noActivity = versus(hot[i]!, m);
    const activity = versus(due[i]!.measurement, m);
    return {
      ...m,
      ratio: `${ratioText(versus(m, raw[i]!), "raw")}; sessiond ${ratioText(noActivity, "this")}, activity due ${ratioText(activity, "this")}`,
      checks: [
        ...headlineOnly(i, [...atLeast("no activity ÷ this", noActivity, min), ...atLeast("activity due ÷ this", activity, min)]),
        zeroErrors(m.errors ?? 0),
      ],
    };
  });
}

/** The activity-due requests again for a profiled run, with addresses after those the measured runs used. */
const activityDueAfter = (due: ActivityDueRun[], tokens: string[]) => ({ ...activityDueVerify(tokens), first: due.at(-1)!.measurement.varied!.to });

/**
 * POST /v1/sessions at the headline connection count on a running server (after its verify
 * loads, as a deployment serves both): the memory target holds under create load too.
 */
export function createLoad(ctx: Context, scenario: string, server: Server, geoIp: GeoIpSetting): Promise<Measurement> {
  const users = Array.from({ length: ctx.options.tokens }, (_, i) => `create_${server.port}_${i}`);
  return ctx.measure(scenario, `sessiond create (POST /v1/sessions), ${geoIpLabel(geoIp)}`, server, createRequests(users), {
    connections: ctx.options.connections[0]!,
    prime: false,
  });
}

export const createRow = (m: Measurement, geoIp: GeoIpSetting): Row => ({ ...m, checks: [rssCheck(m, geoIp), zeroErrors(m.errors ?? 0)] });

/** One more sessiond run under `node --cpu-prof` at the headline count (not in the table: profiling slows it down). */
export async function profileSessiond(
  ctx: Context,
  scenario: string,
  serve: Omit<ServeOptions, "logDir" | "cpuProfileDir">,
  verify: ReturnType<typeof verifyRequests>,
  title: string,
  mode: MeasureMode = {},
): Promise<string> {
  const dir = `${ctx.tmp}/profile-${serve.name}`;
  const server = await startSessiond({ ...serve, logDir: ctx.tmp, cpuProfileDir: dir });
  await ctx.measure(scenario, "profiled", server, verify, { connections: ctx.options.connections[0]!, ...mode });
  await server.stop();
  return summariseProfile(dir, 15, title);
}
