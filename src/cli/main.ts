/** The `sessiond` command line: one file per command under commands/. */
import { Command } from "commander";
import { registerDemo } from "./commands/demo.js";
import { registerServe } from "./commands/serve.js";
import { EXIT_USAGE } from "./exit-codes.js";

const program = new Command("sessiond")
  .description("user-session management: library, REST server and CLI")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
  .showHelpAfterError();
registerServe(program);
registerDemo(program);
await program.parseAsync(process.argv);
