/**
 * The machine may be shared (tests, builds): this measures how much CPU went to processes
 * outside the bench during a run, so a number taken on a busy machine says so in the table,
 * and waits for a quiet moment before each run. The bench's own processes are this process's
 * descendants plus the Redis and PostgreSQL servers it loads. Linux /proc only.
 */
import { readFileSync, readdirSync } from "node:fs";
import { cpus } from "node:os";

const TICKS_PER_MS = 100 / 1000; // USER_HZ is 100 on Linux
const SERVICES = new Set(["redis-server", "postgres"]);

function machineBusyTicks(): number {
  const [, user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).map(Number);
  return user! + nice! + system! + irq! + softirq! + steal!;
}

/** CPU ticks of the bench's processes (and the data services it loads) alive now. */
function benchTicks(): number {
  const procs = new Map<number, { ppid: number; comm: string; ticks: number }>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const close = stat.lastIndexOf(")");
      const fields = stat.slice(close + 2).split(" ");
      procs.set(Number(name), { ppid: Number(fields[1]), comm: stat.slice(stat.indexOf("(") + 1, close), ticks: Number(fields[11]) + Number(fields[12]) });
    } catch {
      // the process ended while we looked
    }
  }
  const ours = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; hops++) {
      if (p === process.pid) return true;
      p = procs.get(p)?.ppid ?? 0;
    }
    return false;
  };
  let ticks = 0;
  for (const [pid, p] of procs) if (SERVICES.has(p.comm) || ours(pid)) ticks += p.ticks;
  return ticks;
}

export interface OtherLoad {
  /** Share of the machine's CPU used outside the bench since `start`; `exitedCpuMs`: CPU of our children that ended meanwhile. */
  stop(exitedCpuMs: number): number;
}

export function measureOtherLoad(): OtherLoad {
  const t0 = performance.now();
  const busy0 = machineBusyTicks();
  const ours0 = benchTicks();
  return {
    stop(exitedCpuMs) {
      const foreign = machineBusyTicks() - busy0 - (benchTicks() - ours0) - exitedCpuMs * TICKS_PER_MS;
      return Math.max(0, foreign / ((performance.now() - t0) * TICKS_PER_MS * cpus().length));
    },
  };
}

/**
 * Runs `run` `rounds` times, each after waiting (at most `quietWaitMs`) for a quiet machine, and
 * keeps the best by `score` (other work can only slow a run down), with the other load during it.
 */
export async function bestOf<T extends { cpuMs: number }>(
  o: { rounds: number; quietWaitMs: number },
  run: () => Promise<T>,
  score: (t: T) => number,
): Promise<T & { otherLoad: number }> {
  let best: (T & { otherLoad: number }) | undefined;
  for (let i = 0; i < o.rounds; i++) {
    await waitForQuiet(o.quietWaitMs);
    const meter = measureOtherLoad();
    const result = await run();
    const measured = { ...result, otherLoad: meter.stop(result.cpuMs) };
    if (best === undefined || score(measured) > score(best)) best = measured;
  }
  return best!;
}

/** Waits (at most `maxMs`) until other processes use under `share` of the CPU over one second. */
export async function waitForQuiet(maxMs: number, share = 0.1): Promise<void> {
  for (const until = Date.now() + maxMs; Date.now() < until; ) {
    const meter = measureOtherLoad();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    if (meter.stop(0) < share) return;
  }
}
