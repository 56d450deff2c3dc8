/**
 * Load soak (issue 8): a steady mixed load — verify-heavy, with creates, refreshes and
 * revokes — against `sessiond serve` on SQLite and on Redis, for 10 minutes each by
 * default. Every interval it reports throughput, errors, p99 latency, the server's RSS
 * and its event-loop delay p99 (from /metrics), so a leak or a slowdown shows as a trend.
 *
 *   npm run build && node --import tsx bench/soak.ts [--minutes 10] [--store sqlite|redis|both]
 *
 * Not part of CI (too long); docs/operations.md keeps the latest result.
 */
import { cpus } from "node:os";
import { join } from "node:path";
import { redisPrefix, tempDir } from "./lib/backends.js";
import { cleanupAll } from "./lib/cleanup.js";
import { ROOT_KEY, startSessiond } from "./lib/serve.js";

const args = process.argv.slice(2);
const flag = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const MINUTES = Number(flag("minutes", "10"));
const STORES = flag("store", "both") === "both" ? ["sqlite", "redis"] : [flag("store", "both")];
const INTERVAL_S = MINUTES >= 5 ? 60 : 10;
const USERS = 32; // concurrent virtual users
const headers = { authorization: `Bearer ${ROOT_KEY}`, "content-type": "application/json" };

interface Tally {
  ops: number;
  errors: number;
  byKind: Record<string, number>;
  latencies: number[];
}
const fresh = (): Tally => ({ ops: 0, errors: 0, byKind: {}, latencies: [] });

/**
 * One virtual user: signs in, then verifies its token over and over; now and then it
 * refreshes (keeping the new token), and once in a while it signs out (revoke) and in again.
 */
async function user(url: string, id: number, until: number, tally: () => Tally): Promise<void> {
  const call = async (kind: string, path: string, body: unknown, ok = 200): Promise<Record<string, unknown> | null> => {
    const started = performance.now();
    const response = await fetch(url + path, { method: "POST", headers, body: JSON.stringify(body) }).catch(() => null);
    const answer = response === null ? null : ((await response.json()) as Record<string, unknown>);
    const t = tally();
    t.ops += 1;
    t.byKind[kind] = (t.byKind[kind] ?? 0) + 1;
    t.latencies.push(performance.now() - started);
    if (response?.status !== ok) t.errors += 1;
    return response?.status === ok ? answer : null;
  };
  const ip = `198.51.100.${id % 250}`;
  let session = await call("create", "/v1/sessions", { user_id: `soak-${id}`, ip, user_agent: "soak/1" });
  for (let i = 0; Date.now() < until; i++) {
    if (session === null) {
      session = await call("create", "/v1/sessions", { user_id: `soak-${id}`, ip, user_agent: "soak/1" });
      continue;
    }
    const roll = i % 100;
    if (roll === 50) {
      const next = await call("refresh", "/v1/sessions/refresh", { token: session.token, ip, user_agent: "soak/1" });
      if (next !== null) session = next;
    } else if (roll === 99) {
      await call("revoke", `/v1/sessions/${String(session.id)}/revoke`, {});
      session = null;
    } else {
      await call("verify", "/v1/sessions/verify", { token: session.token, ip, user_agent: "soak/1" });
    }
  }
}

async function eventLoopP99Ms(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/^sessiond_nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1] ?? NaN) * 1000;
}

async function soak(store: "sqlite" | "redis"): Promise<string[]> {
  const dir = tempDir(false);
  const storeUrl = store === "sqlite" ? `sqlite:${join(dir, "soak.db")}` : `redis://127.0.0.1:6379?prefix=${redisPrefix("redis://127.0.0.1:6379")}`;
  const server = await startSessiond({ name: `soak-${store}`, store: storeUrl, logDir: dir, logLevel: "warn", geoIp: "bundled" });
  const until = Date.now() + MINUTES * 60_000;
  let current = fresh();
  const users = Array.from({ length: USERS }, (_, id) => user(server.url, id, until, () => current));
  const lines: string[] = [];
  const startedAt = Date.now();
  while (Date.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, INTERVAL_S * 1000));
    const t = current;
    current = fresh();
    const sorted = Float64Array.from(t.latencies).sort();
    const p99 = sorted[Math.floor(sorted.length * 0.99)] ?? NaN;
    const cells = [
      store,
      Math.round((Date.now() - startedAt) / 1000),
      Math.round(t.ops / INTERVAL_S),
      t.errors,
      p99.toFixed(1),
      server.rssMb().toFixed(0),
      (await eventLoopP99Ms(server.url)).toFixed(1),
      Object.entries(t.byKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(", "),
    ];
    const line = `| ${cells.join(" | ")} |`;
    lines.push(line);
    process.stderr.write(`${line}\n`);
  }
  await Promise.all(users);
  await server.stop();
  return lines;
}

try {
  const rows: string[] = [];
  for (const store of STORES) rows.push(...(await soak(store as "sqlite" | "redis")));
  console.log(
    `\nLoad soak, ${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model.trim()}, Node ${process.version}, ${USERS} virtual users, ${MINUTES} min per store, geo-IP on:\n`,
  );
  console.log("| store | at s | ops/s | errors | p99 ms | RSS MB | event-loop p99 ms | operations in the interval |");
  console.log("|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
} finally {
  await cleanupAll();
}
