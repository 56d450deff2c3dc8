/**
 * The load generator, in its own process so it never shares an event loop with a server:
 * autocannon cycling through the given requests. Latencies come from its per-response event
 * (autocannon's own histogram has 1 ms resolution, too coarse for sub-millisecond servers).
 * Input: the path of a JSON spec; output: one JSON line. SIGTERM ends the run early. With
 * `samplesFile`, every response's (epoch ms when it arrived, latency ms) pair is written there
 * as float64s, so the runner can cut out a time window (e.g. while the sweeper ran).
 *
 * With `serverPid`, the server's CPU time (utime + stime of /proc/<pid>/stat, every thread) is
 * read when the measured run starts (after the warm-up) and when it ends: the same outside
 * method for every server, ours or a peer's.
 *
 * With `vary`, requests are built one by one from a cursor shared by all connections: request n
 * verifies token n mod T with the body's `ip` set to an address no request used before, so every
 * verify of a token comes from a new address (activity due on every request). Only this load
 * builds requests on the fly (about 5 µs of the generator's CPU each); the others send
 * pre-built ones, which each connection cycles through from the first.
 */
import { readFileSync, writeFileSync } from "node:fs";
import autocannon from "autocannon";
import { addressOf } from "./addresses.mjs";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const latencies = [];
const arrivals = [];

/** utime + stime of a process in ms (USER_HZ is 100 on Linux: 10 ms a tick). */
function cpuMsOf(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

let sent = 0;
function varying(vary) {
  sent = vary.first;
  return [
    {
      setupRequest: (request) => {
        const n = sent++;
        const body = JSON.stringify({ token: vary.tokens[n % vary.tokens.length], ip: addressOf(n) });
        return { ...request, method: "POST", path: vary.path, headers: vary.headers, body };
      },
    },
  ];
}

const instance = autocannon({
  url: spec.url,
  connections: spec.connections,
  pipelining: spec.pipelining,
  duration: spec.durationS,
  requests: spec.vary === undefined ? spec.requests : varying(spec.vary),
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
let serverCpuAtStart = NaN;
instance.on("start", () => {
  if (spec.serverPid !== undefined) serverCpuAtStart = cpuMsOf(spec.serverPid);
  if (stopping) instance.stop();
});
process.once("SIGTERM", () => {
  stopping = true;
  instance.stop?.();
});

const result = await instance;
const serverCpuMs = spec.serverPid === undefined ? NaN : cpuMsOf(spec.serverPid) - serverCpuAtStart;
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
    serverCpuMs,
    sent,
  })}\n`,
);
