/** Builds the Enricher the core accepts: device from the user agent, place from the IP. */
import type { DeviceAndPlace, Enricher } from "../core/model.js";
import { BUNDLED_GEOIP_PACKAGE, GeoIp, NO_PLACE } from "./geo-ip.js";
import { describeUserAgent } from "./user-agent.js";

export { GeoIp } from "./geo-ip.js";
export { describeUserAgent } from "./user-agent.js";

/**
 * @param options.geoIp `"bundled"` (DB-IP Lite, shipped in npm), a path to a MaxMind-format
 *   `.mmdb` file, or `"off"`.
 */
export function createEnricher(options: { geoIp: "bundled" | "off" | string }): Enricher & { geo: GeoIp | null } {
  const geo = options.geoIp === "off" ? null : new GeoIp(options.geoIp);
  return {
    geo,
    describe: ({ ip, userAgent, clientHints }): DeviceAndPlace => ({
      ...describeUserAgent(userAgent, clientHints),
      ...(geo === null ? NO_PLACE : geo.lookup(ip)),
    }),
  };
}

/** Where the server's start-up notes go; pino's logger is one. */
export interface StartLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/**
 * Opens the enricher's geo-IP database now (~100 ms at server start, not on the first request).
 * Without the bundled database (an optional dependency, left out by `npm install --omit=optional`)
 * places are off, and one warning says so and how to turn them on or silence it.
 * @throws when an operator's own `.mmdb` file cannot be read.
 */
export function loadGeoIp(enricher: { geo: GeoIp | null }, log: StartLog): void {
  if (enricher.geo === null || enricher.geo.load() !== null) return;
  log.warn(
    { geoIp: "off", missingPackage: BUNDLED_GEOIP_PACKAGE },
    `geo-IP places are off: the bundled database (${BUNDLED_GEOIP_PACKAGE}, an optional dependency) is not installed; ` +
      "reinstall without --omit=optional, or set SESSIOND_GEOIP_DATABASE to your own .mmdb file (or to off, to silence this)",
  );
}
