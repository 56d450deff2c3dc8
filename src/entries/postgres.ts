/**
 * `sessiond/postgres`: the PostgreSQL store alone (pg loads on the first `postgresStore()` call).
 *
 * @example
 * import { createSessions } from "sessiond";
 * import { postgresStore } from "sessiond/postgres";
 * const sessions = createSessions({ store: await postgresStore({ url: process.env.DATABASE_URL! }) });
 */
export { postgresStore, PostgresStore } from "../stores/postgres/index.js";
export type { PostgresOptions } from "../stores/postgres/index.js";
