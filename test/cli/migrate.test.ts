import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SQLITE_SCHEMA_VERSION } from "../../src/stores/sqlite/migrations.js";
import { jsonOf, sessiond, tempStore } from "./run.js";

interface Migrated {
  version: number;
  applied: number[];
}

const stepLines = (stderr: string) => stderr.split("\n").filter((line) => line.startsWith("applying migration "));

describe("sessiond migrate", () => {
  it("reports the newest schema version, printing a progress line for each step it applies", async () => {
    const env = { SESSIOND_STORE: tempStore() };
    const run = await sessiond(["migrate", "--json"], env);
    const result = jsonOf<Migrated>(run);
    assert.deepEqual(Object.keys(result).sort(), ["applied", "version"]);
    assert.equal(result.version, SQLITE_SCHEMA_VERSION);
    assert.deepEqual(
      result.applied,
      Array.from({ length: SQLITE_SCHEMA_VERSION }, (_, i) => i + 1),
      "a new file gets every migration",
    );
    assert.deepEqual(
      stepLines(run.stderr).map((line) => Number(/^applying migration (\d+) \(.+\)…$/.exec(line)?.[1])),
      result.applied,
    );
    assert.equal(jsonOf<{ total_count: number }>(await sessiond(["sessions", "list", "--json"], env)).total_count, 0, "the migrated file is a usable store");
  });

  it("on the memory store it reports version 1 with nothing to apply", async () => {
    assert.deepEqual(jsonOf(await sessiond(["migrate", "--json"], { SESSIOND_STORE: "memory:" })), { version: 1, applied: [] });
  });

  it("a second run applies nothing and says it is up to date", async () => {
    const env = { SESSIOND_STORE: tempStore() };
    const first = jsonOf<Migrated>(await sessiond(["migrate", "--json"], env));
    const again = await sessiond(["migrate"], env);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `schema at version ${first.version} (already up to date)\n`);
    assert.deepEqual(stepLines(again.stderr), []);
  });

  it("a configuration error stops it with 78 before touching any store", async () => {
    const run = await sessiond(["migrate"], { SESSIOND_STORE: "memory:", SESSIOND_STORE_TIMEOUT_MS: "fast" });
    assert.equal(run.code, 78);
    assert.match(run.stderr, /SESSIOND_STORE_TIMEOUT_MS/);
  });
});
