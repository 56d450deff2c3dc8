import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SqliteStore } from "../../src/stores/sqlite/index.js";
import { sqliteStore } from "../../src/stores/sqlite/index.js";
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
