/**
 * What an import costs (SPEC §8: `import "sessiond"` loads no driver). Each case runs the built
 * package (dist/, through its own exports map) in a fresh Node process that records every npm
 * package it loads, ES module or CommonJS (record-loads.mjs). The main entry and every subpath
 * entry load no npm package at all: no driver (better-sqlite3, pg, ioredis), no parser
 * (ua-parser-js, isbot, maxmind), no jose, none of the server's libraries (fastify, TypeBox,
 * pino, prom-client, commander); each loads on first use.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const RECORDER = fileURLToPath(new URL("./record-loads.mjs", import.meta.url));

/**
 * Runs `body` (the inside of an async function, ES module context, cwd = the repository, so
 * `import("sessiond")` resolves through package.json) in a fresh process; `seen()` lists the
 * npm packages loaded so far. Returns what `body` returns.
 */
function run<T>(body: string): T {
  assert.ok(existsSync(join(ROOT, "dist/index.js")), "dist/ is missing: build first (npm run build)");
  const script = `const seen = globalThis.loadedPackages;\nconst result = await (async () => {\n${body}\n})();\nconsole.log(JSON.stringify(result));`;
  const child = spawnSync(process.execPath, ["--import", RECORDER, "--input-type=module", "--eval", script], { cwd: ROOT, encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  return JSON.parse(child.stdout.trim().split("\n").at(-1)!) as T;
}

describe("lazy loading", () => {
  it('import "sessiond" loads no npm package: no driver, parser, jose or server library', () => {
    assert.deepEqual(run<string[]>('await import("sessiond"); return seen();'), []);
  });

  it("each subpath entry loads no npm package either, and the store entries export their factory and class", () => {
    const entries: Record<string, string[]> = {
      "sessiond/sqlite": ["sqliteStore", "SqliteStore"],
      "sessiond/postgres": ["postgresStore", "PostgresStore"],
      "sessiond/redis": ["redisStore", "RedisStore"],
      "sessiond/express": ["sessiondExpress"],
      "sessiond/fastify": ["sessiondFastify"],
      "sessiond/hono": ["sessiondHono"],
    };
    const loads: Record<string, string[]> = {};
    for (const [entry, names] of Object.entries(entries)) {
      const { loaded, exports } = run<{ loaded: string[]; exports: Record<string, string> }>(
        `const m = await import(${JSON.stringify(entry)}); return { loaded: seen(), exports: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v])) };`,
      );
      loads[entry] = loaded;
      for (const name of names) assert.equal(exports[name], "function", `${entry} exports ${name}`);
    }
    assert.deepEqual(loads, Object.fromEntries(Object.keys(entries).map((entry) => [entry, []])));
  });

  it("sqliteStore() loads better-sqlite3 on its first call", () => {
    const { atImport, afterCall } = run<{ atImport: string[]; afterCall: string[] }>(`
      const { sqliteStore } = await import("sessiond");
      const atImport = seen();
      const store = sqliteStore({ path: ":memory:" });
      const afterCall = seen();
      await store.close();
      return { atImport, afterCall };`);
    assert.ok(!atImport.includes("better-sqlite3"), `loaded at import: ${atImport.join(", ")}`);
    assert.ok(afterCall.includes("better-sqlite3"));
  });

  // The same requirement for the main entry's modules other than the stores (each store module
  // is checked above, through the main entry and its own entry).
  it("the main entry's modules other than the stores load no npm package", () => {
    const modules = [...readFileSync(join(ROOT, "dist/index.js"), "utf8").matchAll(/from "\.\/([^"]+)"/g)]
      .map((m) => `./dist/${m[1]!}`)
      .filter((path) => !path.startsWith("./dist/stores/"));
    assert.ok(modules.length >= 10, modules.join(", "));
    assert.deepEqual(run<string[]>(`for (const path of ${JSON.stringify(modules)}) await import(path);\nreturn seen();`), []);
  });

  it("user agents, places and JWTs load their libraries on first use", () => {
    const steps = run<{ atImport: string[]; device: string[]; place: string[]; jwt: string[]; code: string }>(`
      const { createEnricher, describeUserAgent } = await import("./dist/enrich/index.js");
      const { createJwtVerifier } = await import("./dist/jwt/verifier.js");
      await import("./dist/jwt/signing-keys.js");
      const atImport = seen();
      describeUserAgent("curl/8.5.0");
      const device = seen();
      createEnricher({ geoIp: "bundled" }).describe({ ip: "81.2.69.142", userAgent: null, clientHints: null });
      const place = seen();
      const code = await createJwtVerifier({ jwksUrl: "http://127.0.0.1:9/v1/jwks", issuer: "https://sessiond.test/t/acme" }).verify("garbage").catch((error) => error.code);
      return { atImport, device, place, jwt: seen(), code };`);
    assert.deepEqual(steps.atImport, []);
    assert.deepEqual(
      ["isbot", "ua-parser-js"].filter((name) => steps.device.includes(name)),
      ["isbot", "ua-parser-js"],
    );
    assert.ok(!steps.device.includes("maxmind") && steps.place.includes("maxmind"));
    assert.ok(!steps.place.includes("jose") && steps.jwt.includes("jose"));
    assert.equal(steps.code, "token_invalid");
  });
});
