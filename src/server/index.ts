/**
 * sessiond's REST server, to run from a program as `sessiond serve` runs it.
 *
 * @example
 * import { loadConfig, startServer } from "sessiond/server";
 * const server = await startServer(loadConfig({ env: process.env }));
 * // …
 * await server.close();
 */
export { startServer } from "./start.js";
export type { RunningServer, ServerOptions } from "./start.js";
export { stopOnSignals } from "./shutdown.js";
export { createLogger } from "./runtime.js";
export { loadConfig, ConfigError } from "../config.js";
export type { Config } from "../config.js";
