/**
 * What device and place enrichment adds to a verify (in-process, memory store), as ratios
 * measured in one run:
 *   hot      verify within the activity resolution: one read, no write, no enrichment
 *   record   verify that records activity each time (the IP changes), no enrichment
 *   enrich   the same with the real enricher (user-agent parse + offline geo-IP)
 * Run: npm run build && node --import tsx bench/enrichment.ts
 */
import { createEnricher, createSessions, memoryStore } from "./lib/sessiond.js";

const UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const N = Number(process.env["BENCH_N"] ?? 20_000);
const addresses = Array.from({ length: 256 }, (_, i) => `81.2.${i}.142`);

async function measure(name: string, enrich: boolean, changeIp: boolean): Promise<{ name: string; opsPerSec: number; p50Us: number; p99Us: number }> {
  const enricher = enrich ? createEnricher({ geoIp: "bundled" }) : undefined;
  enricher?.geo?.load();
  const sessions = createSessions({ store: memoryStore(), ...(enricher === undefined ? {} : { enricher }) });
  const { token } = await sessions.create({ userId: "bench", ip: addresses[0]!, userAgent: UA });
  const samples = new Float64Array(N);
  for (let i = 0; i < 2000; i++) await sessions.verify(token, { ip: changeIp ? addresses[i % 256]! : addresses[0]!, userAgent: UA });
  const started = performance.now();
  for (let i = 0; i < N; i++) {
    const t = performance.now();
    const result = await sessions.verify(token, { ip: changeIp ? addresses[(i + 1) % 256]! : addresses[0]!, userAgent: UA });
    samples[i] = performance.now() - t;
    if (!result.valid) throw new Error(`verify failed: ${result.code}`);
  }
  const elapsed = performance.now() - started;
  samples.sort();
  return { name, opsPerSec: (N / elapsed) * 1000, p50Us: samples[Math.floor(N * 0.5)]! * 1000, p99Us: samples[Math.floor(N * 0.99)]! * 1000 };
}

const hot = await measure("verify, activity within resolution", false, false);
const record = await measure("verify recording activity, no enrichment", false, true);
const enrich = await measure("verify recording activity, UA + geo-IP enrichment", true, true);
console.log(`| scenario | verifies/s | p50 µs | p99 µs | vs hot | vs record |`);
console.log(`|---|---|---|---|---|---|`);
for (const r of [hot, record, enrich])
  console.log(`| ${r.name} | ${Math.round(r.opsPerSec)} | ${r.p50Us.toFixed(1)} | ${r.p99Us.toFixed(1)} | ${(r.opsPerSec / hot.opsPerSec).toFixed(2)}× | ${(r.opsPerSec / record.opsPerSec).toFixed(2)}× |`);
console.log(`\nenrichment adds ${(enrich.p50Us - record.p50Us).toFixed(1)} µs (p50) to a verify that records activity; a verify within the activity resolution does no enrichment. (${N} verifies each, Node ${process.version})`);
