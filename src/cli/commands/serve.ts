/** `sessiond serve`: the REST server (src/server/ runs it; this reads the options and the signals). */
import type { Command } from "commander";
import { startServer } from "../../server/start.js";
import { createLogger } from "../../server/runtime.js";
import { stopOnSignals } from "../../server/shutdown.js";
import { action } from "../command.js";
import { configFrom, secretFlagWarningsOf, withConfigFlags } from "../config-flags.js";

export function registerServe(program: Command): void {
  withConfigFlags(program.command("serve").description("run the REST API (zero config: SQLite under ./data, a root key printed on first start)")).action(
    action(async (_options: unknown, command: Command) => {
      const config = configFrom(command);
      const logger = createLogger(config);
      for (const warning of secretFlagWarningsOf(command)) logger.warn(warning);
      stopOnSignals(await startServer(config, { logger }), logger);
    }),
  );
}
