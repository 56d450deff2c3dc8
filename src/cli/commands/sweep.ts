/** `sessiond sweep`: writes passed deadlines and purges sessions past retention, for deployments that do not sweep in `serve`. */
import type { Command } from "commander";
import { definedOnly } from "../../core/defined-only.js";
import { SessiondError } from "../../core/errors.js";
import type { SweepResult } from "../../core/store/index.js";
import { action, integerArg, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { print } from "../output.js";

const describe = (t: SweepResult) => `${t.expired} expired, ${t.abandoned} abandoned, ${t.purged} purged`;

export function registerSweep(program: Command): void {
  withConfigFlags(
    program
      .command("sweep")
      .description("mark sessions past their deadlines expired/abandoned and purge those ended longer than the retention ago")
      .option("--max-batches <n>", "stop after this many batches (default: until nothing is left)"),
  ).action(
    action(async (options: { maxBatches?: string }, command: Command) => {
      const maxBatches = integerArg("max-batches", options.maxBatches);
      // The service takes any number here; 0 or less would silently do nothing, which is never what was meant.
      if (maxBatches !== undefined && maxBatches < 1)
        throw new SessiondError("request_invalid", "--max-batches must be at least 1", { details: { field: "max-batches" } });
      const total = await withRuntime(
        command,
        (runtime) =>
          runtime.sessions.sweep({
            ...definedOnly({ maxBatches }),
            // Running totals on stderr: a long sweep shows it is moving, and stdout keeps only the result.
            onBatch: (sofar) => process.stderr.write(`swept: ${describe(sofar)}…\n`),
          }),
        { mustExist: true },
      );
      print(command, { expired: total.expired, abandoned: total.abandoned, purged: total.purged }, () => `sweep done: ${describe(total)}`);
    }),
  );
}
