/** Command-line options of `npm run bench -- …`. */
import { parseArgs } from "node:util";

export const SCENARIOS = ["library", "enrichment", "http-sqlite", "http-stores", "revocation", "events", "scale", "heavy-reads"] as const;
/** Scenarios that seed millions of sessions: only with `--only` (or `--scale` for scale). */
const OPT_IN: readonly ScenarioName[] = ["scale", "heavy-reads"];
export type ScenarioName = (typeof SCENARIOS)[number];
/** What `npm run bench` runs without `--only`/`--scale`. */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((s) => !OPT_IN.includes(s));

export interface Options {
  scenarios: ScenarioName[];
  quick: boolean;
  /** Seconds of each measured load run, after `warmupS` of warm-up. */
  durationS: number;
  warmupS: number;
  /**
   * Connections of the HTTP verify loads (scenarios 2 and 3): each server is loaded at each
   * count in turn; the first is the headline, where the targets are judged.
   */
  connections: number[];
  /** Connections of the other loads (scale, sweep): 8, as the scale targets were set. */
  scaleConnections: number;
  pipelining: number;
  /** Distinct tokens (and users) cycled through by each load. */
  tokens: number;
  /** Sessions seeded for scenarios 1–3. */
  sessions: number;
  /** Sessions seeded for the heavy-reads scenario. */
  heavySessions: number;
  /** SQLite sizes of the scale scenario, then the PostgreSQL/Redis size and the expired sessions the sweeper purges. */
  scaleSizes: number[];
  storeScale: number;
  sweepExpired: number;
  /** Profile one sessiond serve run (node --cpu-prof) and print its top self-time functions. */
  profile: boolean;
  /** Runs of each load; the fastest counts (on a shared machine other work only slows a run down). */
  rounds: number;
  /** Before each run, wait up to this long for other processes to leave the CPU alone (0: do not wait). */
  quietWaitS: number;
  /** Keep the temp directory (databases, server logs, profiles). */
  keep: boolean;
  /** Trials per store and mode in the revocation scenario. */
  revocationTrials: number;
  /** Replace this run's table in docs/benchmarks.md (see lib/docs.ts). */
  writeDocs: boolean;
  postgresUrl: string;
  redisUrl: string;
}

export const USAGE = `npm run bench -- [--quick] [--scale] [--only ${SCENARIOS.join("|")}] [--duration s] [--warmup s]
  [--connections 50,8] [--scale-connections n] [--pipelining n] [--tokens n] [--sessions n] [--scale-sizes 10000,1000000,10000000]
  [--store-scale n] [--sweep-expired n] [--heavy-sessions n] [--rounds n] [--quiet-wait s] [--profile] [--keep] [--write-docs]
  PostgreSQL and Redis: BENCH_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test), BENCH_REDIS_URL (redis://127.0.0.1:6379)`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: "boolean", default: false },
      scale: { type: "boolean", default: false },
      only: { type: "string", multiple: true },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      "scale-connections": { type: "string" },
      pipelining: { type: "string" },
      tokens: { type: "string" },
      sessions: { type: "string" },
      "scale-sizes": { type: "string" },
      "store-scale": { type: "string" },
      "sweep-expired": { type: "string" },
      "heavy-sessions": { type: "string" },
      "quiet-wait": { type: "string" },
      rounds: { type: "string" },
      profile: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      "write-docs": { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick;
  if (quick && values["write-docs"]) throw new Error(`--write-docs takes a full run: a --quick run's figures are a smoke test\n${USAGE}`);
  const int = (text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`not a positive number: ${text}\n${USAGE}`);
    return n;
  };
  const only = (values.only ?? []).flatMap((s) => s.split(","));
  for (const name of only) if (!SCENARIOS.includes(name as ScenarioName)) throw new Error(`unknown scenario ${name}\n${USAGE}`);
  const scenarios = only.length > 0 ? (only as ScenarioName[]) : SCENARIOS.filter((s) => !OPT_IN.includes(s) || (s === "scale" && values.scale));
  return {
    scenarios,
    quick,
    durationS: int(values.duration, quick ? 1 : 10),
    warmupS: int(values.warmup, quick ? 0.5 : 3),
    // A smoke run loads each server once; `--quick --connections 50,8` smokes the second line too.
    connections: (values.connections ?? (quick ? "50" : "50,8")).split(",").map((s) => int(s, 0)),
    scaleConnections: int(values["scale-connections"], 8),
    pipelining: int(values.pipelining, 1),
    tokens: int(values.tokens, quick ? 200 : 1000),
    sessions: int(values.sessions, quick ? 5_000 : 100_000),
    scaleSizes: (values["scale-sizes"] ?? (quick ? "1000,20000" : "10000,1000000,10000000")).split(",").map((s) => int(s, 0)),
    storeScale: int(values["store-scale"], quick ? 10_000 : 1_000_000),
    sweepExpired: int(values["sweep-expired"], quick ? 10_000 : 1_000_000),
    heavySessions: int(values["heavy-sessions"], quick ? 20_000 : 1_000_000),
    profile: values.profile,
    rounds: int(values.rounds, 1),
    quietWaitS: values["quiet-wait"] === "0" ? 0 : int(values["quiet-wait"], quick ? 0 : 30),
    keep: values.keep,
    revocationTrials: quick ? 10 : 200,
    writeDocs: values["write-docs"],
    postgresUrl: process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    redisUrl: process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379",
  };
}
