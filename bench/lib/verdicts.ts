/**
 * How the HTTP scenarios compare two servers measured in the same run: by throughput and by
 * the server's CPU time per request. The generator shares the cores, so a fast server's
 * throughput is partly the generator's limit; CPU per request is the cleaner ratio. Every
 * ratio reads "how many times better than the other": > 1 means this one does better.
 */
import type { Measurement } from "./context.js";
import { type Check, check, fmtTimes } from "./table.js";
import { geoIpOn, type GeoIpSetting } from "./serve.js";

/** Geo-IP data held in memory once loaded (DEPENDENCIES.md: ~143 MB); the memory target is on top of it. */
export const GEO_IP_MB = 140;
export const RSS_LIMIT_MB = 150;

export interface Versus {
  /** This server's req/s ÷ the other's. */
  rps: number;
  /** The other's CPU per request ÷ this server's. */
  cpu: number;
}

export const versus = (m: Measurement, other: Measurement): Versus => ({ rps: m.rps / other.rps, cpu: other.cpuUsPerReq / m.cpuUsPerReq });

/** e.g. "0.47× raw (CPU/req 0.52×)". */
export function ratioText(v: Versus, name: string): string {
  return `${fmtTimes(v.rps)} ${name} (CPU/req ${fmtTimes(v.cpu)})`;
}

/** The same target on both ratios: throughput and CPU per request. */
export function atLeast(what: string, v: Versus, min: number): Check[] {
  return [check(`${what} by req/s`, v.rps, "≥", min), check(`${what} by CPU/req`, v.cpu, "≥", min)];
}

export function rssCheck(m: Measurement, geoIp: GeoIpSetting | boolean): Check {
  const on = typeof geoIp === "boolean" ? geoIp : geoIpOn(geoIp);
  return check(`peak RSS (geo-IP ${on ? "on" : "off"})`, m.rssMb ?? NaN, "≤", RSS_LIMIT_MB + (on ? GEO_IP_MB : 0), " MB");
}
