/**
 * Scenario 1, library verify in-process: `sessions.verify(token, {ip, userAgent})` on the
 * SQLite and memory stores against the raw limit of this machine (a plain loop doing only
 * the primary-key read, SHA-256 and constant-time compare), each loop in its own process.
 */
import { join } from "node:path";
import { type Context, PER_USER } from "../lib/context.js";
import { BENCH_DIR, ROOT_DIR, runJsonChild } from "../lib/processes.js";
import { bestOf } from "../lib/quiet.js";
import { type Row, check, fmtTimes } from "../lib/table.js";
import type { LoopJob, LoopResult, LoopVariant } from "../lib/verify-loop.js";

const SCENARIO = "1 library verify (in-process)";

const runLoop = (job: LoopJob) =>
  runJsonChild<LoopResult>(["--expose-gc", "--import", "tsx", join(BENCH_DIR, "lib", "verify-loop.ts"), JSON.stringify(job)], ROOT_DIR);

export async function library(ctx: Context): Promise<Row[]> {
  const data = await ctx.sqlite();
  const { options } = ctx;
  const job = (variant: LoopVariant): LoopJob => ({
    variant,
    path: data.path,
    size: data.size,
    at: data.population.options.at,
    perUser: PER_USER,
    tokens: options.tokens,
    durationS: options.durationS,
  });
  const rows: Row[] = [];
  for (const store of ["sqlite", "memory"] as const) {
    const best = (variant: LoopVariant) =>
      bestOf(
        { rounds: options.rounds, quietWaitMs: options.quietWaitS * 1000 },
        () => runLoop(job(variant)),
        (r) => r.opsPerSec,
      );
    const raw = await best(`raw-${store}`);
    const lib = await best(`library-${store}`);
    const ratio = lib.opsPerSec / raw.opsPerSec;
    const row = (variant: string, r: LoopResult & { otherLoad: number }): Row => ({
      scenario: SCENARIO,
      variant,
      rps: r.opsPerSec,
      p50Ms: r.p50Ms,
      p99Ms: r.p99Ms,
      rssMb: r.rssMb,
      errors: r.invalid,
      otherLoad: r.otherLoad,
    });
    rows.push(
      { ...row(`raw loop: ${store === "sqlite" ? "better-sqlite3 PK read of the row" : "Map lookup"} + SHA-256 + timingSafeEqual`, raw), ratio: "baseline" },
      { ...row(`sessiond verify, ${store} store`, lib), ratio: `${fmtTimes(ratio)} raw loop`, checks: [check("verify/raw", ratio, "≥", 0.8)] },
    );
  }
  return rows;
}
