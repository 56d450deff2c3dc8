/**
 * Peer: better-auth's session check (`GET /api/auth/get-session`) on its SQLite database via
 * better-sqlite3, cookie cache off, so every request reads the database like a sessiond verify.
 * Passwords use a cheap hash: sign-in cost is not what is measured, only creating the sessions.
 * BENCH_PORT, BENCH_SQLITE (the database file).
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import Database from "better-sqlite3";
import { betterAuth } from "better-auth";
import { getMigrations } from "better-auth/db/migration";
import { toNodeHandler } from "better-auth/node";

const sha256 = (text) => createHash("sha256").update(text).digest("hex");
const port = Number(process.env.BENCH_PORT);
const options = {
  database: new Database(process.env.BENCH_SQLITE),
  baseURL: `http://127.0.0.1:${port}`,
  secret: "bench-secret-bench-secret-bench-secret-0123",
  emailAndPassword: { enabled: true, password: { hash: async (p) => sha256(p), verify: async ({ hash, password }) => hash === sha256(password) } },
  session: { cookieCache: { enabled: false } },
  rateLimit: { enabled: false },
  telemetry: { enabled: false },
};
await (await getMigrations(options)).runMigrations();
const server = createServer(toNodeHandler(betterAuth(options)));
server.keepAliveTimeout = 60_000;
server.listen(port, "127.0.0.1");
