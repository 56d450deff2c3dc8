/** Drives the load generator (load-worker.mjs, autocannon) in a child process and reads its result. */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BENCH_DIR, runJsonChild } from "./processes.js";

export interface HttpRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  ok: number;
  errors: number;
  seconds: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statusCodes: Record<string, { count: number }>;
  /** CPU time the load generator itself used. */
  cpuMs: number;
  /** CPU time the server used during the measured run (NaN without `serverPid`). */
  serverCpuMs: number;
  /** With `vary`: the cursor after the run (the first value the next run on that server may use). */
  sent: number;
}

/** Requests built one by one: token n mod T, each from a new client address (see load-worker.mjs). */
export interface VaryingRequests {
  path: string;
  headers: Record<string, string>;
  tokens: string[];
  /** The first cursor value; each later run on the same server starts where the last one ended. */
  first: number;
}

export interface LoadSpec {
  url: string;
  /** Cycled through by every connection; many distinct tokens keep caches from flattering anyone. */
  requests: HttpRequest[];
  durationS: number;
  warmupS: number;
  connections: number;
  pipelining: number;
  /** A request unanswered this long counts as an error (default 30 s). */
  timeoutS?: number;
  /** Where the worker writes every response's (arrival epoch ms, latency ms) pair. */
  samplesFile?: string;
  /** The server process whose CPU time the worker reads around the measured run. */
  serverPid?: number;
  /** Instead of cycling `requests`: build each request from a shared cursor. */
  vary?: VaryingRequests;
}

let specs = 0;

const quantile = (sorted: Float64Array, q: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]!);

/**
 * Latency figures of the requests in flight at some point between `fromMs` and `toMs` (epoch
 * ms), from a samples file: a request held up by what happened in the window counts even if
 * it was sent before or answered after it.
 */
export function windowOf(samplesFile: string, fromMs: number, toMs: number): Pick<LoadResult, "ok" | "seconds" | "rps" | "p50Ms" | "p99Ms" | "maxMs"> {
  const pairs = new Float64Array(readFileSync(samplesFile).buffer.slice(0));
  const inside: number[] = [];
  for (let i = 0; i < pairs.length; i += 2) {
    const [arrivedAt, ms] = [pairs[i]!, pairs[i + 1]!];
    if (arrivedAt >= fromMs && arrivedAt - ms <= toMs) inside.push(ms);
  }
  const sorted = Float64Array.from(inside).sort();
  const seconds = (toMs - fromMs) / 1000;
  return { ok: sorted.length, seconds, rps: sorted.length / seconds, p50Ms: quantile(sorted, 0.5), p99Ms: quantile(sorted, 0.99), maxMs: quantile(sorted, 1) };
}

/**
 * Latency of requests sent one at a time (at most `count`, for at most `maxMs`): for calls whose
 * cost grows with the data (a user's list), where a saturating load would only queue.
 */
export async function runSequential(url: string, requests: HttpRequest[], count: number, maxMs: number): Promise<LoadResult> {
  const times: number[] = [];
  let errors = 0;
  const started = performance.now();
  for (let i = 0; i < count && performance.now() - started < maxMs; i++) {
    const r = requests[i % requests.length]!;
    const t = performance.now();
    const response = await fetch(url + r.path, { method: r.method, headers: r.headers, ...(r.body === undefined ? {} : { body: r.body }) });
    await response.arrayBuffer();
    if (response.ok) times.push(performance.now() - t);
    else errors++;
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(times).sort();
  return {
    ok: times.length,
    errors,
    seconds,
    rps: times.length / seconds,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: quantile(sorted, 1),
    statusCodes: {},
    cpuMs: 0,
    serverCpuMs: NaN,
    sent: 0,
  };
}

/** Calls `make(i)` for i < count, `inFlight` at a time, and returns the answers in order. */
export async function inParallel<T>(count: number, inFlight: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await make(i);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return out;
}

/** One request outside the load: checks it succeeds and tells the reply's body size. */
export async function probe(url: string, request: HttpRequest): Promise<number> {
  const response = await fetch(url + request.path, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const body = await response.text();
  if (!response.ok) throw new Error(`${request.method} ${url}${request.path} answered ${response.status}: ${body.slice(0, 300)}`);
  return Buffer.byteLength(body);
}

/**
 * Every distinct request once before the timed run: a verify's first use in a while records
 * activity (on SQLite an fsync per session), which the steady state being measured does not.
 */
export async function prime(url: string, requests: HttpRequest[]): Promise<void> {
  await inParallel(requests.length, 8, (i) => probe(url, requests[i]!));
}

/** Runs one load; with `until`, the run ends early when it settles (the duration is then a ceiling). */
export async function runLoad(spec: LoadSpec, tmpDir: string, until?: Promise<unknown>): Promise<LoadResult> {
  const file = join(tmpDir, `load-${++specs}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return runJsonChild<LoadResult>([join(BENCH_DIR, "lib", "load-worker.mjs"), file], BENCH_DIR, until);
}
