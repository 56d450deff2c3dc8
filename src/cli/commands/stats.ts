/** `sessiond stats`: session counts by status, place and device. */
import type { Command } from "commander";
import { definedOnly } from "../../core/defined-only.js";
import { wireStats } from "../../http/wire.js";
import { action, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { print } from "../output.js";

export function registerStats(program: Command): void {
  withConfigFlags(
    program
      .command("stats")
      .description("count sessions by status, and active ones by place and device")
      .option("--tenant <id>", "only this tenant (default: all tenants)"),
  ).action(
    action(async (options: { tenant?: string }, command: Command) => {
      const stats = await withRuntime(command, (runtime) => runtime.sessions.stats(definedOnly({ tenantId: options.tenant })), { mustExist: true });
      print(command, wireStats(stats), () =>
        [
          `${options.tenant === undefined ? "all tenants" : `tenant ${options.tenant}`}: ${stats.activeSessions} active session(s) of ${stats.distinctUsers} user(s)`,
          `by status:      ${counts(stats.byStatus)}`,
          `by country:     ${counts(stats.byCountry)}`,
          `by browser:     ${counts(stats.byBrowser)}`,
          `by device type: ${counts(stats.byDeviceType)}`,
          `by os:          ${counts(stats.byOs)}`,
        ].join("\n"),
      );
    }),
  );
}

/** `active 3, revoked 1`, largest first; "-" when empty. */
function counts(map: Record<string, number>): string {
  const entries = Object.entries(map).filter(([, n]) => n > 0);
  return entries.length === 0
    ? "-"
    : entries
        .sort(([, a], [, b]) => b - a)
        .map(([k, n]) => `${k} ${n}`)
        .join(", ");
}
