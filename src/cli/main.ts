/** The `sessiond` command line: one file per command under commands/. */
import { Command } from "commander";
import { registerDemo } from "./commands/demo.js";
import { registerKeys } from "./commands/keys.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerServe } from "./commands/serve.js";
import { registerSessions } from "./commands/sessions.js";
import { registerStats } from "./commands/stats.js";
import { registerSweep } from "./commands/sweep.js";
import { EXIT_USAGE } from "./exit-codes.js";

const program = new Command("sessiond")
  .description("user-session management: library, REST server and CLI")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
  .showHelpAfterError();
registerServe(program);
registerMigrate(program);
registerKeys(program);
registerSessions(program);
registerStats(program);
registerSweep(program);
registerDemo(program);
await program.parseAsync(process.argv);
