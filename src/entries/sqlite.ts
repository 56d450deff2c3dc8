/**
 * `sessiond/sqlite`: the SQLite store alone (better-sqlite3 loads on the first `sqliteStore()` call).
 *
 * @example
 * import { createSessions } from "sessiond";
 * import { sqliteStore } from "sessiond/sqlite";
 * const sessions = createSessions({ store: sqliteStore({ path: "./data/sessiond.db" }) });
 */
export { sqliteStore, SqliteStore } from "../stores/sqlite/index.js";
export type { SqliteOptions } from "../stores/sqlite/index.js";
