/** Config flags on every command, and the one way commands report success and failure. */
import { type Command, Option } from "commander";
import type { TSchema } from "@sinclair/typebox";
import { SessiondError } from "../core/errors.js";
import { type Config, ConfigError, ConfigSchema, envName, flagName, loadConfig } from "../config.js";
import { EXIT_CODES, EXIT_CONFIG } from "./exit-codes.js";
import { type Runtime, openRuntime } from "./runtime.js";

/** Adds every configuration setting as a flag (`--store-timeout-ms <value>`), documented with its variable. */
export function withConfigFlags(command: Command): Command {
  for (const [key, schema] of Object.entries(ConfigSchema.properties as Record<string, TSchema>)) {
    const option = new Option(`${flagName(key)} <value>`, `${schema.description ?? key} [${envName(key)}]`);
    if (schema.default !== undefined) option.default(undefined, String(schema.default));
    command.addOption(option.hideHelp(!["store", "host", "port", "rootKey"].includes(key) && command.name() !== "serve"));
  }
  return command.option("--json", "print machine-readable JSON");
}

/** The validated configuration from the command's flags and the environment. */
export function configFrom(command: Command): Config {
  const opts = command.opts<Record<string, unknown>>();
  const flags: Record<string, string> = {};
  for (const key of Object.keys(ConfigSchema.properties)) if (typeof opts[key] === "string") flags[key] = opts[key] as string;
  return loadConfig({ env: process.env, flags });
}

export function wantsJson(command: Command): boolean {
  return command.opts<{ json?: boolean }>().json === true;
}

/** Opens the runtime from the command's configuration, runs `body`, and closes the store whatever happens. */
export async function withRuntime<T>(command: Command, body: (runtime: Runtime) => Promise<T>, open: { migrate?: boolean } = {}): Promise<T> {
  const runtime = await openRuntime(configFrom(command), open);
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
        process.stderr.write(`sessiond: internal error: ${(error as Error)?.message ?? String(error)}\n`);
        process.exitCode = EXIT_CODES.internal;
      }
    }
  };
}
