/**
 * The framework's ceiling: Fastify answering POST /v1/sessions/verify (JSON body parsed)
 * with a constant JSON reply of BENCH_REPLY_BYTES bytes, the size of a sessiond verify reply.
 */
import Fastify from "fastify";

const size = Number(process.env.BENCH_REPLY_BYTES ?? 914);
const head = '{"object":"session","pad":"';
const reply = `${head}${"x".repeat(Math.max(0, size - head.length - 2))}"}`;

const app = Fastify({ logger: false });
app.post("/v1/sessions/verify", async (_request, res) => {
  res.header("content-type", "application/json");
  return reply;
});
await app.listen({ host: "127.0.0.1", port: Number(process.env.BENCH_PORT) });
