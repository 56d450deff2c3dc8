/**
 * The load generator, in its own process so it never shares an event loop with a server:
 * autocannon cycling through the given requests. Latencies come from its per-response event
 * (autocannon's own histogram has 1 ms resolution, too coarse for sub-millisecond servers).
 * Input: the path of a JSON spec; output: one JSON line. SIGTERM ends the run early. With
 * `samplesFile`, every response's (epoch ms when it arrived, latency ms) pair is written there
 * as float64s, so the runner can cut out a time window (e.g. while the sweeper ran).
 */
import { readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const latencies = [];
const arrivals = [];
const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  pipelining: spec.pipelining,
  duration: spec.durationS,
  requests: spec.requests,
  timeout: spec.timeoutS ?? 30,
  ...(spec.warmupS > 0 ? { warmup: { connections: spec.connections, duration: spec.warmupS } } : {}),
});
instance.on("response", (_client, statusCode, _bytes, responseTime) => {
  if (statusCode >= 300) return;
  latencies.push(responseTime);
  if (spec.samplesFile !== undefined) arrivals.push(Date.now());
});
// A stop asked for during the warm-up takes effect when the measured run starts.
let stopping = false;
instance.on("start", () => stopping && instance.stop());
process.once("SIGTERM", () => {
  stopping = true;
  instance.stop?.();
});

const result = await instance;
if (spec.samplesFile !== undefined) writeFileSync(spec.samplesFile, Float64Array.from(latencies.flatMap((ms, i) => [arrivals[i], ms])));
const sorted = Float64Array.from(latencies).sort();
const at = (q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))]);
process.stdout.write(
  `${JSON.stringify({
    ok: result["2xx"],
    errors: result.errors + result.timeouts + result.non2xx,
    seconds: result.duration,
    rps: result["2xx"] / result.duration,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: at(1),
    statusCodes: result.statusCodeStats,
    cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000,
  })}\n`,
);
