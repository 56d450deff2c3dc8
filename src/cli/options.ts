/** Config flags on every command, and the one way commands report success and failure. */
import { type Command, Option } from "commander";
import type { TSchema } from "@sinclair/typebox";
import { SessiondError } from "../core/errors.js";
import { type Config, ConfigError, ConfigSchema, envName, flagName, loadConfig, secretFlagWarnings } from "../config.js";
import { EXIT_CODES, EXIT_CONFIG } from "./exit-codes.js";
import { type Runtime, openRuntime } from "../server/runtime.js";

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

export function wantsJson(command: Command): boolean {
  return command.opts<{ json?: boolean }>().json === true;
}

/**
 * Opens the runtime from the command's configuration, runs `body`, and closes the store whatever
 * happens. Commands that read or change what is already there pass `mustExist`: pointed at the
 * wrong place, they must say so rather than create an empty store and report "0 of 0".
 */
export async function withRuntime<T>(command: Command, body: (runtime: Runtime) => Promise<T>, open: { migrate?: boolean; mustExist?: boolean } = {}): Promise<T> {
  const config = configFrom(command);
  for (const warning of secretFlagWarningsOf(command)) process.stderr.write(`sessiond: warning: ${warning}\n`);
  const runtime = await openRuntime(config, open);
  try {
    return await body(runtime);
  } finally {
    await runtime.close();
  }
}

/**
 * An integer flag such as `--limit 20`. Only the shape is checked here; ranges stay with
 * the service, so the CLI refuses exactly what the library and REST refuse.
 */
export function integerArg(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value)) throw new SessiondError("request_invalid", `--${flag} must be an integer (got ${JSON.stringify(raw)})`, { details: { field: flag } });
  return value;
}

/** An epoch-ms instant as ISO 8601 for people; "-" when there is none. */
export function isoTime(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString();
}

/** Left-aligned columns separated by two spaces, for human output. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n");
}

/** Prints a result: JSON with --json, else the human form. */
export function print(command: Command, value: unknown, human: () => string): void {
  process.stdout.write(wantsJson(command) ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Runs a command body; errors become a clear message on stderr and the exit code of their code. */
export function action<A extends unknown[]>(body: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    try {
      await body(...args);
    } catch (error) {
      const json = wantsJson(command);
      if (error instanceof ConfigError) {
        process.stderr.write(json ? `${JSON.stringify({ error: { code: "config_invalid", problems: error.problems } })}\n` : `sessiond: ${error.message}\n`);
        process.exitCode = EXIT_CONFIG;
      } else if (error instanceof SessiondError) {
        process.stderr.write(json ? `${JSON.stringify({ error: { code: error.code, message: error.message } })}\n` : `sessiond: ${error.code}: ${error.message}\n`);
        process.exitCode = EXIT_CODES[error.code];
      } else {
        const message = (error as Error)?.message ?? String(error);
        process.stderr.write(json ? `${JSON.stringify({ error: { code: "internal", message } })}\n` : `sessiond: internal error: ${message}\n`);
        process.exitCode = EXIT_CODES.internal;
      }
    }
  };
}
