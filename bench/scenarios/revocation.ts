/**
 * Scenario 5, revocation across servers: two `sessiond serve` processes on one store. A
 * session is verified on B (so B's verify cache holds it), revoked through A, and B is
 * asked again and again until it refuses; the latency runs from A's acknowledgement of the
 * revoke to B's first refusal. With the cache on, the store's change feed must carry the
 * revocation (p99 < 50 ms); in strict mode B's very first answer must already be a refusal.
 */
import { postgresSchema, redisCluster, redisPrefix } from "../lib/backends.js";
import type { Context } from "../lib/context.js";
import type { Server } from "../lib/processes.js";
import { ROOT_KEY, startSessiond } from "../lib/serve.js";
import { type Row, check } from "../lib/table.js";

const SCENARIO = "5 revocation across servers";
/** B gives up on a trial after this long (counted as a failure, not as a latency). */
const GIVE_UP_MS = 2000;

const headers = { authorization: `Bearer ${ROOT_KEY}`, "content-type": "application/json" };

async function post(server: Server, path: string, body: unknown = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(server.url + path, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

interface Trials {
  latencies: number[];
  /** Trials whose first verify on B after the revoke was still accepted. */
  acceptedAfterRevoke: number;
  /** Trials where B never refused within GIVE_UP_MS, or refused with another code. */
  failures: number;
}

async function runTrials(a: Server, b: Server, label: string, trials: number): Promise<Trials> {
  const result: Trials = { latencies: [], acceptedAfterRevoke: 0, failures: 0 };
  for (let trial = 0; trial < trials; trial++) {
    const created = await post(a, "/v1/sessions", { user_id: `revocation-${label}-${trial}` });
    const token = created.body.token as string;
    for (let i = 0; i < 2; i++) if ((await post(b, "/v1/sessions/verify", { token })).status !== 200) result.failures += 1;
    if ((await post(a, `/v1/sessions/${String(created.body.id)}/revoke`)).status !== 200) result.failures += 1;
    const revokedAt = performance.now();
    let answer = await post(b, "/v1/sessions/verify", { token });
    if (answer.status === 200) result.acceptedAfterRevoke += 1;
    while (answer.status === 200 && performance.now() - revokedAt < GIVE_UP_MS) answer = await post(b, "/v1/sessions/verify", { token });
    const code = (answer.body.errors as { code: string }[] | undefined)?.[0]?.code;
    if (code === "session_revoked") result.latencies.push(performance.now() - revokedAt);
    else result.failures += 1;
  }
  result.latencies.sort((x, y) => x - y);
  return result;
}

const at = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? NaN;

export async function revocation(ctx: Context): Promise<Row[]> {
  const { options, tmp } = ctx;
  const cluster = redisCluster();
  const stores = [
    { name: "SQLite (one file, two processes)", url: () => `sqlite:${tmp}/revocation.db` },
    { name: "PostgreSQL", url: () => `${options.postgresUrl}?schema=${postgresSchema(options.postgresUrl)}` },
    { name: "Redis", url: () => `${options.redisUrl}?prefix=${redisPrefix(options.redisUrl)}` },
    { name: "Redis Cluster", url: () => `${cluster}?prefix=${redisPrefix(cluster)}` },
  ];
  const rows: Row[] = [];
  // A smoke run tries each store once, the two modes in turn, instead of every store in both.
  const modes = (i: number) => (options.quick ? [i % 2 === 0] : [true, false]);
  for (const [i, store] of stores.entries()) {
    for (const verifyCache of modes(i)) {
      const url = store.url();
      const mode = verifyCache ? "verify cache on" : "strict";
      const name = `revocation-${store.name.split(" ")[0]}-${verifyCache ? "cache" : "strict"}`;
      const a = await startSessiond({ name: `${name}-a`, store: url, logDir: tmp, verifyCache });
      const b = await startSessiond({ name: `${name}-b`, store: url, logDir: tmp, verifyCache });
      try {
        const t = await runTrials(a, b, name, options.revocationTrials);
        const p50 = at(t.latencies, 0.5);
        const p99 = at(t.latencies, 0.99);
        const variant = `${store.name}, ${mode}: revoke acknowledged by A → first refusal by B (${options.revocationTrials} trials)`;
        const ratio = `p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, worst ${t.latencies.at(-1)?.toFixed(1) ?? "–"} ms; ${t.acceptedAfterRevoke} accepted after the revoke`;
        const checks = verifyCache
          ? [check("revocation p99", p99, "<", 50, " ms")]
          : [{ target: "strict: B refuses at once in every trial", pass: t.acceptedAfterRevoke === 0 && t.failures === 0 }];
        rows.push({
          scenario: SCENARIO,
          variant,
          p50Ms: p50,
          p99Ms: p99,
          errors: t.failures,
          ratio,
          checks: [...checks, { target: "0 errors", pass: t.failures === 0 }],
        });
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    }
  }
  return rows;
}
