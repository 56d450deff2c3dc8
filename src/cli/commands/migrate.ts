/** `sessiond migrate`: brings the store's schema to the newest version. */
import type { Command } from "commander";
import { action, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { print } from "../output.js";

export function registerMigrate(program: Command): void {
  withConfigFlags(program.command("migrate").description("bring the store's schema to the newest version (safe to repeat)")).action(
    action(async (_options: unknown, command: Command) => {
      const result = await withRuntime(
        command,
        (runtime) =>
          // Progress goes to stderr so that stdout carries only the result, which scripts parse.
          runtime.store.migrate((step) => process.stderr.write(`applying migration ${step.version} (${step.name})…\n`)),
        { migrate: false }, // open without migrating, so each step is applied, and reported, here
      );
      print(command, { version: result.version, applied: result.applied }, () =>
        result.applied.length === 0
          ? `schema at version ${result.version} (already up to date)`
          : `schema at version ${result.version} (applied: ${result.applied.join(", ")})`,
      );
    }),
  );
}
