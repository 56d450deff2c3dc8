import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { describe, it } from "node:test";
import { isSessiondError } from "../../src/core/errors.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteStore } from "../../src/stores/sqlite/index.js";
import { SQLITE_SCHEMA_VERSION, sqliteStore } from "../../src/stores/sqlite/index.js";
import { describeStore } from "../conformance/store.js";

const paths = new WeakMap<object, string>();
describeStore("sqlite", {
  open: async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-")), "s.db");
    const store = sqliteStore({ path });
    paths.set(store, path);
    return store;
  },
  openPeer: async (first) => sqliteStore({ path: paths.get(first as SqliteStore)! }),
});

describe("sqlite specifics", () => {
  it("answers store_unavailable when the database file cannot be created", () => {
    const dir = mkdtempSync(join(tmpdir(), "sessiond-sqlite-"));
    writeFileSync(join(dir, "blocker"), "a file where a folder should be");
    assert.throws(() => sqliteStore({ path: join(dir, "blocker", "s.db") }), (e) => isSessiondError(e, "store_unavailable"));
  });

  it("migrates a new file once however many handles open it, and reports each step to an explicit migrate", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "sessiond-sqlite-")), "s.db");
    const fresh = sqliteStore({ path, migrate: false });
    await assert.rejects(fresh.get("sess_0000000000000000000000000000zz"), (e) => isSessiondError(e, "store_unavailable"));
    const steps: number[] = [];
    assert.deepEqual(await fresh.migrate((s) => steps.push(s.version)), { version: SQLITE_SCHEMA_VERSION, applied: steps });
    assert.equal(steps.length, SQLITE_SCHEMA_VERSION);
    const others = Array.from({ length: 4 }, () => sqliteStore({ path }));
    assert.deepEqual(await others[0]!.migrate(), { version: SQLITE_SCHEMA_VERSION, applied: [] });
    await Promise.all([fresh, ...others].map((s) => s.close()));
  });
});
