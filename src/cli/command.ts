/** Running a command: its runtime (opened and closed around it), its arguments, and its errors as messages and exit codes. */
import type { Command } from "commander";
import { SessiondError } from "../core/errors.js";
import { ConfigError } from "../config.js";
import { type Runtime, openRuntime } from "../server/runtime.js";
import { configFrom, secretFlagWarningsOf } from "./config-flags.js";
import { EXIT_CODES, EXIT_CONFIG } from "./exit-codes.js";
import { wantsJson } from "./output.js";

/**
 * Opens the runtime from the command's configuration, runs `body`, and closes the store whatever
 * happens. Commands that read or change what is already there pass `mustExist`: pointed at the
 * wrong place, they must say so rather than create an empty store and report "0 of 0".
 */
export async function withRuntime<T>(
  command: Command,
  body: (runtime: Runtime) => Promise<T>,
  open: { migrate?: boolean; mustExist?: boolean } = {},
): Promise<T> {
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
  if (!Number.isSafeInteger(value))
    throw new SessiondError("request_invalid", `--${flag} must be an integer (got ${JSON.stringify(raw)})`, { details: { field: flag } });
  return value;
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
        process.stderr.write(
          json ? `${JSON.stringify({ error: { code: error.code, message: error.message } })}\n` : `sessiond: ${error.code}: ${error.message}\n`,
        );
        process.exitCode = EXIT_CODES[error.code];
      } else {
        const message = (error as Error)?.message ?? String(error);
        process.stderr.write(json ? `${JSON.stringify({ error: { code: "internal", message } })}\n` : `sessiond: internal error: ${message}\n`);
        process.exitCode = EXIT_CODES.internal;
      }
    }
  };
}
