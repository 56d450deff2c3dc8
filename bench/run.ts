/**
 * `npm run bench [-- --quick | --scale | --only <scenario> … | --write-docs]`: runs the
 * scenarios and prints ONE markdown table whose targets are ratios measured in this run
 * (against the raw limit of this machine and against peer libraries), never an absolute time;
 * with `--write-docs`, the same report goes into docs/benchmarks.md.
 */
import { cleanupAll, onInterrupt } from "./lib/cleanup.js";
import { Context } from "./lib/context.js";
import { docsBlock, scenarioSet, writeDocs } from "./lib/docs.js";
import { type ScenarioName, parseOptions } from "./lib/options.js";
import { type Row, renderTable } from "./lib/table.js";
import { httpSqlite } from "./scenarios/http-sqlite.js";
import { httpStores } from "./scenarios/http-stores.js";
import { enrichment } from "./scenarios/enrichment.js";
import { events } from "./scenarios/events.js";
import { heavyReads } from "./scenarios/heavy-reads.js";
import { library } from "./scenarios/library.js";
import { revocation } from "./scenarios/revocation.js";
import { scale } from "./scenarios/scale.js";

const RUN: Record<ScenarioName, (ctx: Context) => Promise<Row[]>> = {
  library,
  enrichment,
  "http-sqlite": httpSqlite,
  "http-stores": httpStores,
  revocation,
  events,
  scale,
  "heavy-reads": heavyReads,
};

const argv = process.argv.slice(2);
const options = parseOptions(argv);
const set = scenarioSet(options.scenarios);
if (options.writeDocs) docsBlock(set);
const ctx = new Context(options);
const rows: Row[] = [];
const startedAt = performance.now();
let failed = false;

function report(): string {
  const connections = `${options.connections.join(" and ")} connections (HTTP verify; ${options.scaleConnections} for the other loads)`;
  return [
    renderTable(rows, `npm run bench${argv.length > 0 ? ` -- ${argv.join(" ")}` : ""}`),
    `Load: autocannon in its own process, ${connections} × pipelining ${options.pipelining}, ${options.warmupS} s warm-up + ${options.durationS} s per run, ${options.tokens} distinct tokens cycled; the generator shares the machine's cores with the server. CPU µs/req: the server process's user + system time (/proc/<pid>/stat, all its threads) over the measured run ÷ the requests it answered.`,
    ...ctx.notes,
    `The run took ${((performance.now() - startedAt) / 60_000).toFixed(1)} min (after the build).`,
  ].join("\n\n");
}
onInterrupt(() => console.log(report()));

try {
  for (const name of options.scenarios) {
    const started = performance.now();
    process.stderr.write(`scenario ${name}…\n`);
    rows.push(...(await RUN[name](ctx)));
    process.stderr.write(`scenario ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
  }
} catch (error) {
  failed = true;
  process.stderr.write(`bench failed: ${(error as Error).stack ?? String(error)}\n`);
} finally {
  await cleanupAll();
}
const text = report();
console.log(text);
if (failed) process.exitCode = 1;
else if (options.writeDocs) {
  writeDocs(set, text);
  process.stderr.write(`wrote the report into docs/benchmarks.md (<!-- bench:${set} -->)\n`);
}
