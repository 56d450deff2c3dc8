/**
 * What device and place enrichment adds to a verify (in-process, memory store), as ratios
 * measured in one run:
 *   hot      verify within the activity resolution: one read, no write, no enrichment
 *   record   verify that records activity each time (the IP changes), no enrichment
 *   enrich   the same with the real enricher (user-agent parse + offline geo-IP)
 */
import type { Context } from "../lib/context.js";
import { BENCH_UA } from "../lib/population.js";
import { createEnricher, createSessions, memoryStore } from "../lib/sessiond.js";
import { type Row, fmtTimes } from "../lib/table.js";

const SCENARIO = "1b enrichment (in-process, memory store)";
const addresses = Array.from({ length: 256 }, (_, i) => `81.2.${i}.142`);

async function measure(variant: string, n: number, enrich: boolean, changeIp: boolean): Promise<Row & { rps: number; p50Ms: number }> {
  const enricher = enrich ? createEnricher({ geoIp: "bundled" }) : undefined;
  enricher?.geo?.load();
  const sessions = createSessions({ store: memoryStore(), ...(enricher === undefined ? {} : { enricher }) });
  const { token } = await sessions.create({ userId: "bench", ip: addresses[0]!, userAgent: BENCH_UA });
  const ip = (i: number) => (changeIp ? addresses[i % 256]! : addresses[0]!);
  for (let i = 0; i < 2000; i++) await sessions.verify(token, { ip: ip(i), userAgent: BENCH_UA });
  const samples = new Float64Array(n);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const result = await sessions.verify(token, { ip: ip(i + 1), userAgent: BENCH_UA });
    samples[i] = performance.now() - t;
    if (!result.valid) throw new Error(`verify failed: ${result.code}`);
  }
  const elapsed = performance.now() - started;
  samples.sort();
  return { scenario: SCENARIO, variant, rps: (n / elapsed) * 1000, p50Ms: samples[Math.floor(n * 0.5)]!, p99Ms: samples[Math.floor(n * 0.99)]! };
}

export async function enrichment(ctx: Context): Promise<Row[]> {
  const n = ctx.options.quick ? 2000 : 20_000;
  const hot = await measure("verify, activity within resolution", n, false, false);
  const record = await measure("verify recording activity, no enrichment", n, false, true);
  const enrich = await measure("verify recording activity, UA + geo-IP enrichment", n, true, true);
  ctx.notes.push(
    `Enrichment adds ${((enrich.p50Ms - record.p50Ms) * 1000).toFixed(1)} µs (p50) to a verify that records activity; a verify within the activity resolution does no enrichment.`,
  );
  return [
    { ...hot, ratio: "baseline" },
    { ...record, ratio: `${fmtTimes(record.rps / hot.rps)} hot` },
    { ...enrich, ratio: `${fmtTimes(enrich.rps / hot.rps)} hot; ${fmtTimes(enrich.rps / record.rps)} record` },
  ];
}
