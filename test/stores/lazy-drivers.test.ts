/**
 * Store modules load their driver on a store's first use, never on import (SPEC §8): importing
 * a store module (or every one of them) loads none of better-sqlite3, pg and ioredis, and
 * opening a store loads its own driver and no other. Each case runs in a fresh process, whose
 * module cache is what it loaded.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;
const DRIVERS = ["better-sqlite3", "pg", "ioredis"] as const;
const module = (path: string) => JSON.stringify(pathToFileURL(join(ROOT, path)).href);

/** The drivers in the module cache after `imports` ran and then `open` (an expression awaited in the child). */
function driversLoaded(imports: string[], open = ""): string[] {
  const program = `
    import { createRequire } from "node:module";
    ${imports.map((path, i) => `import * as m${i} from ${module(path)};`).join("\n")}
    ${open === "" ? "" : `const store = await (${open}); await store.close();`}
    const cached = Object.keys(createRequire(import.meta.url).cache);
    const loaded = ${JSON.stringify(DRIVERS)}.filter((d) => cached.some((path) => path.includes("/node_modules/" + d + "/")));
    process.stdout.write(JSON.stringify(loaded));`;
  const run = spawnSync(process.execPath, ["--import", TSX, "--input-type=module", "-e", program], { cwd: ROOT, encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as string[];
}

describe("store drivers", () => {
  it("importing every store module and the store URL opener loads no driver", () => {
    const stores = [
      "src/stores/memory/index.ts",
      "src/stores/sqlite/index.ts",
      "src/stores/postgres/index.ts",
      "src/stores/redis/index.ts",
      "src/stores/open.ts",
    ];
    assert.deepEqual(driversLoaded(stores), []);
  });

  it("opening a store loads its own driver and no other", () => {
    assert.deepEqual(driversLoaded(["src/stores/sqlite/index.ts"], `m0.sqliteStore({ path: ":memory:" })`), ["better-sqlite3"]);
    // Neither store connects before its first command, so no server is needed to see what loads.
    assert.deepEqual(driversLoaded(["src/stores/postgres/index.ts"], `new m0.PostgresStore({ url: "postgres://127.0.0.1:1/none" })`), ["pg"]);
    assert.deepEqual(driversLoaded(["src/stores/redis/index.ts"], `m0.redisStore({ url: "redis://127.0.0.1:1", retentionMs: 1000, commandTimeoutMs: 100 })`), [
      "ioredis",
    ]);
    assert.deepEqual(driversLoaded(["src/stores/memory/index.ts"], "m0.memoryStore()"), []);
  });
});
