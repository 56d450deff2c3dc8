/** What commands print: JSON with --json, else a human form (tables, ISO times). */
import type { Command } from "commander";

export function wantsJson(command: Command): boolean {
  return command.opts<{ json?: boolean }>().json === true;
}

/** An epoch-ms instant as ISO 8601 for people; "-" when there is none. */
export function isoTime(ms: number | null): string {
  return ms === null ? "-" : new Date(ms).toISOString();
}

/** Left-aligned columns separated by two spaces, for human output. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  return [header, ...rows]
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** Prints a result: JSON with --json, else the human form. */
export function print(command: Command, value: unknown, human: () => string): void {
  process.stdout.write(wantsJson(command) ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}
