/** Builds the Enricher the core accepts: device from the user agent, place from the IP. */
import type { DeviceAndPlace, Enricher } from "../core/model.js";
import { GeoIp, NO_PLACE } from "./geo-ip.js";
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
    describe: ({ ip, userAgent, clientHints }): DeviceAndPlace => ({ ...describeUserAgent(userAgent, clientHints), ...(geo === null ? NO_PLACE : geo.lookup(ip)) }),
  };
}
