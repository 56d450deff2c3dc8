/** The configuration settings as flags on every command, and the configuration they and the environment give. */
import { type Command, Option } from "commander";
import type { TSchema } from "@sinclair/typebox";
import { type Config, ConfigSchema, envName, flagName, loadConfig, secretFlagWarnings } from "../config.js";

/**
 * Settings only the server uses. Other commands do not take them as flags (an unknown option
 * there, exit 64), so no `--help` lists a flag that would be silently ignored. The variables
 * still count where they matter: SESSIOND_ROOT_KEY keeps `keys revoke` from revoking the last root key.
 */
const SERVE_ONLY = new Set<string>(["host", "port", "rootKey", "rootKeyFile"]);

/**
 * Adds the configuration settings as flags (`--store-timeout-ms <value>`), documented with their
 * variables: all of them, listed, on `serve`; elsewhere `--store` and the `show`n ones are listed
 * and the rest accepted but hidden.
 */
export function withConfigFlags(command: Command, show: string[] = []): Command {
  const serve = command.name() === "serve";
  for (const [key, schema] of Object.entries(ConfigSchema.properties as Record<string, TSchema>)) {
    if (!serve && SERVE_ONLY.has(key)) continue;
    const option = new Option(`${flagName(key)} <value>`, `${schema.description ?? key} [${envName(key)}]`);
    if (schema.default !== undefined) option.default(undefined, String(schema.default));
    command.addOption(option.hideHelp(!serve && key !== "store" && !show.includes(key)));
  }
  return command.option("--json", "print machine-readable JSON");
}

function flagsOf(command: Command): Record<string, string> {
  const opts = command.opts<Record<string, unknown>>();
  const flags: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.properties)) if (typeof opts[key] === "string") flags[key] = opts[key] as string;
  return flags;
}

/** The validated configuration from the command's flags and the environment. */
export function configFrom(command: Command): Config {
  return loadConfig({ env: process.env, flags: flagsOf(command) });
}

/** Warnings about secrets the command was given as flag values, to show once at start. */
export function secretFlagWarningsOf(command: Command): string[] {
  return secretFlagWarnings(flagsOf(command));
}
