/**
 * One in-process verify loop, run as its own process by the library scenario so that each
 * variant's peak RSS is its own. Variants: sessiond's `verify` on SQLite or memory, and the
 * raw limit of each: a plain loop doing only the irreducible work (one primary-key read,
 * SHA-256 of the secret, `timingSafeEqual`). Argument: a JSON job; output: one JSON line.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { writeFileSync } from "node:fs";
import Database from "better-sqlite3";
import { BENCH_IP, BENCH_UA, Population } from "./population.js";
import { procMemoryMb } from "./processes.js";
import { createSessions, memoryStore, sqliteStore } from "./sessiond.js";

export type LoopVariant = "raw-sqlite" | "library-sqlite" | "raw-memory" | "library-memory";

export interface LoopJob {
  variant: LoopVariant;
  /** The seeded SQLite file (sqlite variants). */
  path: string;
  /** Sessions in the file, or to put in memory; the population is rebuilt from `at` and `perUser`. */
  size: number;
  at: number;
  perUser: number;
  tokens: number;
  durationS: number;
}

export interface LoopResult {
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  rssMb: number;
  invalid: number;
  cpuMs: number;
}

type Verify = (token: string) => boolean | Promise<boolean>;

const sha256 = (text: string) => createHash("sha256").update(text).digest();

async function verifier(job: LoopJob, population: Population): Promise<Verify> {
  const use = { ip: BENCH_IP, userAgent: BENCH_UA };
  switch (job.variant) {
    case "raw-sqlite": {
      // The whole row, as an array (the cheapest form better-sqlite3 reads it in).
      const byId = new Database(job.path, { readonly: true }).prepare<[string], unknown[]>("SELECT * FROM sessions WHERE id = ?").raw(true);
      const hashAt = byId.columns().findIndex((c) => c.name === "secret_hash");
      return (token) => {
        const dot = token.indexOf(".");
        const row = byId.get(token.slice(0, dot));
        return row !== undefined && timingSafeEqual(row[hashAt] as Buffer, sha256(token.slice(dot + 1)));
      };
    }
    case "raw-memory": {
      const hashes = new Map<string, Buffer>();
      for (let i = 0; i < job.size; i++) hashes.set(population.id(i), population.record(i).secretHash);
      return (token) => {
        const dot = token.indexOf(".");
        const hash = hashes.get(token.slice(0, dot));
        return hash !== undefined && timingSafeEqual(hash, sha256(token.slice(dot + 1)));
      };
    }
    case "library-sqlite": {
      const sessions = createSessions({ store: sqliteStore({ path: job.path }) });
      return async (token) => (await sessions.verify(token, use)).valid;
    }
    case "library-memory": {
      const store = memoryStore();
      for (let i = 0; i < job.size; i++) await store.sessions.insert(population.record(i), { maxActivePerUser: null, nowMs: Date.now() });
      const sessions = createSessions({ store });
      return async (token) => (await sessions.verify(token, use)).valid;
    }
  }
}

async function main(job: LoopJob): Promise<LoopResult> {
  const population = await Population.create({ perUser: job.perUser, family: 0, at: job.at });
  const tokens = population.tokens(job.tokens, job.size);
  const verify = await verifier(job, population);
  let invalid = 0;
  // Warm-up: every token once (a first verify may record activity), then half a second.
  for (const token of tokens) await verify(token);
  const warm = performance.now() + 500;
  for (let i = 0; performance.now() < warm; i++) await verify(tokens[i % tokens.length]!);
  // The peak resident set counts from here: the loop's, not the garbage of building the data.
  (globalThis as { gc?: () => void }).gc?.();
  writeFileSync("/proc/self/clear_refs", "5");
  const samples: number[] = [];
  const started = performance.now();
  const end = started + job.durationS * 1000;
  for (let i = 0; ; i++) {
    const t = performance.now();
    if (t >= end) break;
    let ok = verify(tokens[i % tokens.length]!);
    if (typeof ok !== "boolean") ok = await ok; // the raw loops stay plain synchronous loops
    samples.push(performance.now() - t);
    if (!ok) invalid++;
  }
  const elapsed = performance.now() - started;
  const sorted = Float64Array.from(samples).sort();
  return {
    opsPerSec: (sorted.length / elapsed) * 1000,
    p50Ms: sorted[Math.floor(sorted.length * 0.5)]!,
    p99Ms: sorted[Math.floor(sorted.length * 0.99)]!,
    rssMb: procMemoryMb(process.pid, "VmHWM"), // since the reset above
    invalid,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  };
}

if (process.argv[2] !== undefined) process.stdout.write(`${JSON.stringify(await main(JSON.parse(process.argv[2]) as LoopJob))}\n`);
