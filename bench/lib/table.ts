/** Result rows, targets (ratios from one run) and the one markdown table a run prints. */
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { ROOT_DIR } from "./processes.js";

/** One target of a row: a ratio (or a count) measured in this run against its limit. */
export interface Check {
  target: string;
  pass: boolean;
}

export interface Row {
  scenario: string;
  variant: string;
  /** Load connections (HTTP rows). */
  connections?: number;
  rps?: number;
  p50Ms?: number;
  p99Ms?: number;
  rssMb?: number;
  /** The server's CPU time per request over the measured run (HTTP rows). */
  cpuUsPerReq?: number;
  errors?: number;
  /** Share of the machine's CPU that processes outside the bench used during the run (a shared machine). */
  otherLoad?: number;
  /** Body size of one reply, shown with the variant (HTTP rows). */
  replyBytes?: number;
  /** e.g. "0.82× raw HTTP" */
  ratio?: string;
  checks?: Check[];
}

export function fmtTimes(x: number): string {
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

/** A check that `value op limit`; `unit` follows the limit in the target text. */
export function check(what: string, value: number, op: "≥" | "≤" | "<", limit: number, unit = "×"): Check {
  const pass = op === "≥" ? value >= limit : op === "≤" ? value <= limit : value < limit;
  return { target: `${what} ${op} ${limit}${unit}`, pass: Number.isFinite(value) && pass };
}

export const zeroErrors = (errors: number): Check => ({ target: "0 errors", pass: errors === 0 });

const num = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? "" : value.toFixed(digits));
/** Milliseconds with three significant digits below 1 ms (in-process latencies are microseconds). */
const ms = (value: number | undefined) => (value !== undefined && value < 1 ? value.toPrecision(3) : num(value, 2));

function header(): string {
  let commit = "";
  try {
    commit = execFileSync("git", ["describe", "--always", "--dirty"], { cwd: ROOT_DIR, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    commit = "no git";
  }
  const cpu = cpus();
  return `${new Date().toISOString()} · Node ${process.version} · ${cpu[0]?.model ?? "unknown CPU"} × ${cpu.length} cores · sessiond ${commit}`;
}

export function renderTable(rows: Row[], command: string): string {
  const lines = [
    header(),
    `\`${command}\``,
    "",
    "| scenario | variant | conns | req/s | p50 ms | p99 ms | peak RSS MB | CPU µs/req | errors | other load | ratio vs baseline | target | PASS/MISS |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---|",
  ];
  for (const r of rows) {
    const checks = r.checks ?? [];
    const cells = [
      r.scenario,
      `${r.variant}${r.replyBytes === undefined ? "" : ` (${r.replyBytes} B reply)`}`,
      r.connections ?? "",
      num(r.rps, 0),
      ms(r.p50Ms),
      ms(r.p99Ms),
      num(r.rssMb, 0),
      num(r.cpuUsPerReq, 1),
      r.errors ?? "",
      r.otherLoad === undefined ? "" : `${(r.otherLoad * 100).toFixed(0)}%`,
      r.ratio ?? "",
      checks.map((c) => c.target).join("; "),
      checks.map((c) => (c.pass ? "PASS" : "**MISS**")).join("; "),
    ];
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}
