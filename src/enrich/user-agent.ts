/**
 * Browser, OS and device from a user agent (ua-parser-js 1.x, MIT; isbot for crawlers),
 * refined by User-Agent Client Hints when the app forwards them. Inputs are cut and
 * results cached, so garbage or 10 KB user agents cost the hot path nothing.
 */
import { createRequire } from "node:module";
import type { isbot as IsBot } from "isbot";
import type UAParser from "ua-parser-js";
import type { ClientHints } from "../core/model.js";

// Both parsers load on the first user agent, not with `import "sessiond"`: an app that never
// describes a device pays nothing. require(), because describeUserAgent is synchronous.
const load = createRequire(import.meta.url);
let parsers: { UAParser: typeof UAParser; isbot: typeof IsBot } | null = null;
const loadParsers = () => (parsers ??= { UAParser: load("ua-parser-js") as typeof UAParser, isbot: (load("isbot") as { isbot: typeof IsBot }).isbot });

export interface Device {
  browserName: string | null;
  browserVersion: string | null;
  deviceType: string | null;
  isMobile: boolean;
  osName: string | null;
}

const MAX_PARSED_LENGTH = 512; // real user agents are far shorter; anything past this is noise
const CACHE_SIZE = 2000;
const cache = new Map<string, Device>();
const NO_DEVICE: Device = Object.freeze({ browserName: null, browserVersion: null, deviceType: null, isMobile: false, osName: null });

function parse(ua: string): Device {
  const { UAParser, isbot } = loadParsers();
  const parsed = new UAParser(ua).getResult();
  const browserName = parsed.browser.name ?? null;
  const osName = parsed.os.name ?? null;
  const bot = isbot(ua);
  // ua-parser names no type for desktops; a recognised browser or OS without one is a desktop.
  const deviceType = bot ? "bot" : (parsed.device.type ?? (browserName !== null || osName !== null ? "desktop" : null));
  return {
    browserName,
    browserVersion: parsed.browser.version ?? null,
    deviceType,
    isMobile: deviceType === "mobile" || deviceType === "tablet" || deviceType === "wearable",
    osName,
  };
}

/** Brands like `"Google Chrome";v="124"`, without the GREASE entries and the generic Chromium when a product is named. */
function brandFrom(secChUa: string): { name: string; version: string } | null {
  const brands = [...secChUa.matchAll(/"([^"]{1,64})"\s*;\s*v="([^"]{1,32})"/g)]
    .map((m) => ({ name: m[1]!, version: m[2]! }))
    .filter((b) => !/not.?a.?brand/i.test(b.name));
  return brands.find((b) => b.name !== "Chromium") ?? brands[0] ?? null;
}

const unquote = (text: string | undefined) => (text === undefined ? undefined : text.replace(/^"|"$/g, "").trim() || undefined);

/** What a user agent (and its client hints) says about the device. Never throws. */
export function describeUserAgent(userAgent: string | null, hints: ClientHints | null = null): Device {
  let device = NO_DEVICE;
  if (userAgent !== null && userAgent.length > 0) {
    const key = userAgent.length > MAX_PARSED_LENGTH ? userAgent.slice(0, MAX_PARSED_LENGTH) : userAgent;
    const cached = cache.get(key);
    if (cached !== undefined) device = cached;
    else {
      try {
        device = parse(key);
      } catch {
        device = NO_DEVICE;
      }
      if (cache.size >= CACHE_SIZE) cache.clear(); // bounded: a flood of unique agents cannot grow memory
      cache.set(key, device);
    }
  }
  if (hints === null) return device;
  // Client hints are what Chromium now reports instead of a full user agent, so they win where present.
  const brand = hints.secChUa === undefined ? null : brandFrom(hints.secChUa.slice(0, 1024));
  const platform = unquote(hints.secChUaPlatform?.slice(0, 64));
  const mobile = hints.secChUaMobile?.trim();
  const deviceType =
    mobile === "?1"
      ? device.deviceType === "tablet"
        ? "tablet"
        : "mobile"
      : mobile === "?0" && device.deviceType !== "bot"
        ? device.deviceType === "tablet"
          ? "tablet"
          : "desktop"
        : device.deviceType;
  return {
    browserName: brand?.name ?? device.browserName,
    browserVersion: brand?.version ?? device.browserVersion,
    deviceType,
    isMobile: deviceType === "mobile" || deviceType === "tablet" || deviceType === "wearable",
    osName: platform ?? device.osName,
  };
}
