/**
 * `--write-docs`: puts a run's report into docs/benchmarks.md between `<!-- bench:<set> -->`
 * and `<!-- /bench:<set> -->`, where <set> names the scenarios the run covered: `default` for
 * the default set, otherwise their names joined by `+` (`scale`, `heavy-reads`). Only the
 * figures are replaced; what they mean stays hand-written around them.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_SCENARIOS, type ScenarioName } from "./options.js";
import { ROOT_DIR } from "./processes.js";

export const DOCS_PAGE = join(ROOT_DIR, "docs", "benchmarks.md");

export function scenarioSet(scenarios: readonly ScenarioName[]): string {
  const isDefault = scenarios.length === DEFAULT_SCENARIOS.length && DEFAULT_SCENARIOS.every((s) => scenarios.includes(s));
  return isDefault ? "default" : scenarios.join("+");
}

/** Checks the page has this set's markers (before a long run, not after it). */
export function docsBlock(set: string): { start: string; end: string } {
  const block = { start: `<!-- bench:${set} -->`, end: `<!-- /bench:${set} -->` };
  const page = readFileSync(DOCS_PAGE, "utf8");
  const from = page.indexOf(block.start);
  if (from < 0 || page.indexOf(block.end, from) < 0)
    throw new Error(`--write-docs: docs/benchmarks.md has no ${block.start} … ${block.end} block for this set of scenarios`);
  return block;
}

export function writeDocs(set: string, report: string): void {
  const { start, end } = docsBlock(set);
  const page = readFileSync(DOCS_PAGE, "utf8");
  const from = page.indexOf(start) + start.length;
  writeFileSync(DOCS_PAGE, `${page.slice(0, from)}\n\n${report.trim()}\n\n${page.slice(page.indexOf(end, from))}`);
}
