/** The `sessiond` command line: one file per command under commands/. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerDemo } from "./commands/demo.js";
import { registerEvents } from "./commands/events.js";
import { registerKeys } from "./commands/keys.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerServe } from "./commands/serve.js";
import { registerSessions } from "./commands/sessions.js";
import { registerStats } from "./commands/stats.js";
import { registerSweep } from "./commands/sweep.js";
import { registerTemplates } from "./commands/templates.js";
import { registerWebhooks } from "./commands/webhooks.js";
import { EXIT_USAGE } from "./exit-codes.js";

const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
const program = new Command("sessiond")
  .version(version)
  .description("user-session management: library, REST server and CLI")
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_USAGE))
  .showHelpAfterError();
registerServe(program);
registerMigrate(program);
registerKeys(program);
registerSessions(program);
registerStats(program);
registerSweep(program);
registerTemplates(program);
registerWebhooks(program);
registerEvents(program);
registerDemo(program);
await program.parseAsync(process.argv);
