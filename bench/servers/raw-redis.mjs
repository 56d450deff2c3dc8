/**
 * Raw HTTP limit on Redis: one HGETALL of the session hash sessiond wrote
 * (`<prefix>{<tag>}:s:<id>`, the tag being the id's last 4 characters; docs/stores.md "Redis key layout").
 * BENCH_REDIS_URL and BENCH_REDIS_PREFIX name the data.
 */
import { Redis } from "ioredis";
import { replyOf, serveVerify } from "./raw-http.mjs";

const redis = new Redis(process.env.BENCH_REDIS_URL, { enableAutoPipelining: true });
const prefix = process.env.BENCH_REDIS_PREFIX;

serveVerify(async (id) => {
  const fields = await redis.hgetall(`${prefix}{${id.slice(-4)}}:s:${id}`);
  return fields.secret_hash === undefined ? null : { hash: Buffer.from(fields.secret_hash, "base64"), reply: replyOf(fields) };
});
