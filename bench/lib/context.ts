/** What every scenario of one run shares: options, the temp directory, seeded data, and the results others compare with. */
import { join } from "node:path";
import { tempDir } from "./backends.js";
import { type HttpRequest, type LoadResult, type LoadSpec, type VaryingRequests, prime, probe, runLoad, runSequential } from "./load.js";
import type { Options } from "./options.js";
import { bestOf } from "./quiet.js";
import { Population } from "./population.js";
import type { Server } from "./processes.js";
import { type Seeded, seedSqlite } from "./seed.js";
import type { Row } from "./table.js";

/** Sessions per user in every seeded population: a user's list is always this long. */
export const PER_USER = 10;

export interface SqliteData {
  path: string;
  population: Population;
  size: number;
}

export type Measurement = Row & {
  connections: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  replyBytes: number;
  /** The server's resident set just before this load. */
  startRssMb: number;
  /** The server's CPU time per completed request over the measured run (/proc/<pid>/stat). */
  cpuUsPerReq: number;
  result: LoadResult;
  samplesFile?: string | undefined;
  /** With `vary`: the cursor range of the last run (the requests it built, warm-up included). */
  varied?: { from: number; to: number };
};

export interface MeasureMode {
  until?: Promise<unknown>;
  /** Load connections for this run instead of `options.scaleConnections`. */
  connections?: number;
  sequential?: boolean;
  /** Send each distinct request once before the run (default: yes, unless sequential). */
  prime?: boolean;
  samples?: boolean;
  quiet?: boolean;
  /** Build each request from a shared cursor instead of cycling `requests` (see load-worker.mjs); `requests[0]` is still the probe. */
  vary?: VaryingRequests;
}

export class Context {
  readonly tmp: string;
  /** Printed after the table (profiles, seeding notes). */
  readonly notes: string[] = [];
  private readonly remembered = new Map<string, Measurement>();
  private sqliteData: Promise<SqliteData> | undefined;

  constructor(readonly options: Options) {
    this.tmp = tempDir(options.keep);
  }

  /**
   * Loads a running server for the configured time and reads its peak RSS during that load
   * and its CPU time per request. `until`: the run ends when it settles instead; `sequential`:
   * requests one at a time (see runSequential); `samples`: keep every response's arrival time
   * and latency; `quiet: false`: start at once; `prime`: see {@link prime}; `vary`: see
   * {@link MeasureMode}.
   */
  async measure(scenario: string, variant: string, server: Server, requests: HttpRequest[], mode: MeasureMode = {}): Promise<Measurement> {
    const o = this.options;
    const connections = mode.sequential === true ? 1 : (mode.connections ?? o.scaleConnections);
    const spec: LoadSpec = {
      url: server.url,
      requests,
      connections,
      pipelining: o.pipelining,
      durationS: mode.until === undefined ? o.durationS : 24 * 3600,
      warmupS: o.warmupS,
      serverPid: server.pid,
      // A run that lasts until something happens waits as long as that takes for each answer.
      ...(mode.until === undefined ? {} : { timeoutS: 3600 }),
      ...(mode.samples === true ? { samplesFile: join(this.tmp, `samples-${server.port}-${Date.now()}.bin`) } : {}),
      ...(mode.vary === undefined ? {} : { vary: mode.vary }),
    };
    const startRssMb = server.rssMb();
    const replyBytes = await probe(server.url, requests[0]!);
    if (mode.prime ?? (mode.sequential !== true && mode.vary === undefined)) await prime(server.url, requests);
    const once = mode.until !== undefined || mode.sequential === true;
    let varied: { from: number; to: number } | undefined;
    const runs = { rounds: once ? 1 : o.rounds, quietWaitMs: mode.quiet === false ? 0 : o.quietWaitS * 1000 };
    const result = await bestOf(
      runs,
      async () => {
        server.resetPeakRss();
        if (mode.sequential === true) return runSequential(server.url, requests, 200, o.durationS * 3000);
        const r = await runLoad(spec, this.tmp, mode.until);
        if (spec.vary !== undefined) {
          varied = { from: spec.vary.first, to: r.sent };
          // The next round (or the next load on this server) goes on with addresses never used.
          spec.vary.first = r.sent;
        }
        return r;
      },
      (r) => r.rps,
    );
    const { rps, p50Ms, p99Ms, maxMs, errors, otherLoad } = result;
    return {
      scenario,
      variant,
      connections,
      rps,
      p50Ms,
      p99Ms,
      maxMs,
      errors,
      rssMb: server.peakRssMb(),
      startRssMb,
      cpuUsPerReq: (result.serverCpuMs * 1000) / result.ok,
      replyBytes,
      otherLoad,
      result,
      samplesFile: spec.samplesFile,
      ...(varied === undefined ? {} : { varied }),
    };
  }

  /** One load at each of `options.connections` on a running server, the headline count first. */
  async measureEach(scenario: string, variant: string, server: Server, requests: HttpRequest[], mode: MeasureMode = {}): Promise<Measurement[]> {
    const out: Measurement[] = [];
    for (const connections of this.options.connections) out.push(await this.measure(scenario, variant, server, requests, { ...mode, connections }));
    return out;
  }

  /** Starts a server, runs `use` on it (loads one after another), stops it. */
  async withServer<T>(start: () => Promise<Server>, use: (server: Server) => Promise<T>): Promise<T> {
    const server = await start();
    try {
      return await use(server);
    } finally {
      await server.stop();
    }
  }

  /** Starts a server, measures it, stops it. */
  measureServer(scenario: string, variant: string, start: () => Promise<Server>, requests: HttpRequest[], mode: MeasureMode = {}): Promise<Measurement> {
    return this.withServer(start, (server) => this.measure(scenario, variant, server, requests, mode));
  }

  /** Starts a server, loads it at each of `options.connections`, stops it. */
  measureServerEach(scenario: string, variant: string, start: () => Promise<Server>, requests: HttpRequest[]): Promise<Measurement[]> {
    return this.withServer(start, (server) => this.measureEach(scenario, variant, server, requests));
  }

  remember(key: string, m: Measurement): Measurement {
    this.remembered.set(key, m);
    return m;
  }

  /** A measurement another scenario of this run remembered, if it ran. */
  recall(key: string): Measurement | undefined {
    return this.remembered.get(key);
  }

  /** The SQLite file with `options.sessions` sessions that scenarios 1 and 2 share (seeded once per run). */
  sqlite(): Promise<SqliteData> {
    this.sqliteData ??= (async () => {
      const path = join(this.tmp, "shared.db");
      const population = await Population.create({ perUser: PER_USER, family: 0 });
      const seeded = await seedSqlite(path, population, 0, this.options.sessions);
      this.notes.push(seedingNote(`SQLite (shared by scenarios 1 and 2)`, seeded));
      return { path, population, size: this.options.sessions };
    })();
    return this.sqliteData;
  }
}

export function seedingNote(where: string, s: Seeded): string {
  return `Seeded ${s.count.toLocaleString("en")} sessions into ${where} through the store's insert in ${(s.ms / 1000).toFixed(1)} s (${Math.round(s.count / (s.ms / 1000)).toLocaleString("en")}/s).`;
}
