/**
 * The raw HTTP limit of a verify: a bare node:http server doing only the irreducible work
 * (parse the JSON body, read the session by key, SHA-256 the secret, compare in constant
 * time, answer the session as JSON). raw-sqlite.mjs and raw-redis.mjs supply the read.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer } from "node:http";

// Secrets, bookkeeping and the denormalised stats columns are not part of a session reply.
const HIDDEN = new Set([
  "secret_hash",
  "superseded_secrets",
  "version",
  "started_at",
  "lifetime_ms",
  "max_lifetime_ms",
  "inactivity_timeout_ms",
  "country",
  "browser_name",
  "device_type",
  "os_name",
]);

/** The stored fields a caller may see (the same columns/fields sessiond keeps), as a JSON reply. */
export function replyOf(fields) {
  const out = { object: "session" };
  for (const [name, value] of Object.entries(fields)) if (!HIDDEN.has(name)) out[name] = value;
  return JSON.stringify(out);
}

const answer = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
};

/**
 * `read(id)` resolves (or returns) `{ hash: Buffer, reply: string }` or null.
 * Listens on BENCH_PORT.
 */
export function serveVerify(read) {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", async () => {
      try {
        const { token } = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        const dot = typeof token === "string" ? token.indexOf(".") : -1;
        const session = dot > 0 ? await read(token.slice(0, dot)) : null;
        const digest =
          dot > 0
            ? createHash("sha256")
                .update(token.slice(dot + 1))
                .digest()
            : null;
        if (session === null || digest === null || !timingSafeEqual(session.hash, digest)) return answer(res, 401, '{"code":"token_invalid"}');
        answer(res, 200, session.reply);
      } catch {
        answer(res, 400, '{"code":"request_invalid"}');
      }
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(process.env.BENCH_PORT), "127.0.0.1");
}
