/**
 * The peer libraries' servers, with real sessions made through their own APIs: better-auth
 * sign-ups (each answers a signed session cookie) and express-session logins.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { type HttpRequest, inParallel } from "./load.js";
import { BENCH_IP, BENCH_UA } from "./population.js";
import { type Server, startServer } from "./processes.js";

export interface PeerRun {
  server: Server;
  requests: HttpRequest[];
}

/** POSTs JSON and returns the `name=value` of the session cookie it sets. */
async function cookieFrom(url: string, body: unknown, origin: string): Promise<string> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", origin, "user-agent": BENCH_UA },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
  const cookie = response.headers.getSetCookie()[0];
  if (!response.ok || cookie === undefined) throw new Error(`${url} answered ${response.status} without a session cookie`);
  return cookie.split(";")[0]!;
}

const cookieRequests = (path: string, cookies: string[]): HttpRequest[] =>
  cookies.map((cookie) => ({ method: "GET", path, headers: { cookie, "user-agent": BENCH_UA } }));

/**
 * better-auth on SQLite with `sessions` rows in its session table: `tokens` users sign up
 * through its API (their cookies are the load), the rest are copies of those rows, so the
 * table is as large as sessiond's.
 */
export async function startBetterAuth(dir: string, logDir: string, tokens: number, sessions: number): Promise<PeerRun> {
  const file = join(dir, "better-auth.db");
  const server = await startServer({
    name: "better-auth",
    script: "bench/servers/better-auth.mjs",
    env: { BENCH_SQLITE: file },
    readyPath: "/api/auth/ok",
    logDir,
  });
  try {
    const cookies = await inParallel(tokens, 8, (i) =>
      cookieFrom(`${server.url}/api/auth/sign-up/email`, { email: `user${i}@bench.example`, password: `password-${i}-bench`, name: `User ${i}` }, server.url),
    );
    const db = new Database(file);
    const columns = (db.pragma("table_info(session)") as { name: string }[]).map((c) => `"${c.name}"`);
    const copied = columns.map((c) => (c === '"id"' || c === '"token"' ? `${c} || '-' || n` : c));
    db.prepare(
      `WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < ?)
       INSERT INTO session (${columns.join(", ")}) SELECT ${copied.join(", ")} FROM k JOIN session ON session.rowid = 1 + (k.n % ?)`,
    ).run(Math.max(0, sessions - tokens), tokens);
    db.close();
    return { server, requests: cookieRequests("/api/auth/get-session", cookies) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** What each express-session login stores: a user and device record about the size of a sessiond session. */
function sessionData(i: number): Record<string, unknown> {
  const now = Date.now();
  return {
    user_id: `user_${i}`,
    tenant_id: "default",
    client_id: `client_${i}`,
    status: "active",
    scopes: [],
    amr: ["password"],
    metadata: {},
    ip: BENCH_IP,
    user_agent: BENCH_UA,
    created_at: now,
    updated_at: now,
    last_active_at: now,
    expire_at: now + 7 * 86_400_000,
    latest_activity: {
      object: "session_activity",
      id: `act_${i}`,
      is_mobile: false,
      ip_address: BENCH_IP,
      city: null,
      country: null,
      browser_name: "Chrome",
      browser_version: "124.0.0.0",
      device_type: "desktop",
      os_name: "Linux",
    },
  };
}

/** express-session + connect-redis: `tokens` sessions made by logging in. */
export async function startExpressSession(redisUrl: string, prefix: string, logDir: string, tokens: number): Promise<PeerRun> {
  const env = { BENCH_REDIS_URL: redisUrl, BENCH_REDIS_PREFIX: prefix };
  const server = await startServer({ name: "express-session", script: "bench/servers/express-session.mjs", env, readyPath: "/session", logDir });
  try {
    const cookies = await inParallel(tokens, 8, (i) => cookieFrom(`${server.url}/login`, sessionData(i), server.url));
    return { server, requests: cookieRequests("/session", cookies) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
