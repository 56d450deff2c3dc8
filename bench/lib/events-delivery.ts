/**
 * Change-to-delivery latency: a local webhook receiver, one endpoint on a running `sessiond
 * serve` pointed at it, and creates sent at a fixed rate (each one event). The latency of an
 * event is the receiver's clock when it arrives minus the event's `timestamp` (when the change
 * was made; the server shares this machine's clock).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "./processes.js";
import { ROOT_KEY } from "./serve.js";

export interface DeliveryJob {
  ratePerS: number;
  durationS: number;
  /** How long to wait after the last change for the rest to arrive. */
  drainS: number;
}

export interface DeliveryResult {
  /** Creates answered 200 (one event each). */
  changes: number;
  /** Creates that failed or could not be sent on time (more than `MAX_IN_FLIGHT` out). */
  failedChanges: number;
  /** Changes per second actually sent over the run. */
  changesPerS: number;
  /** Distinct events that arrived. */
  delivered: number;
  /** Deliveries beyond the first of an event. */
  duplicates: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The server's CPU time per change (its create and its delivery) over the run. */
  serverCpuUsPerChange: number;
  cpuMs: number;
}

/** Creates out at once before the generator counts a send as failed instead of queueing without bound. */
const MAX_IN_FLIGHT = 256;
const headers = { authorization: `Bearer ${ROOT_KEY}`, "content-type": "application/json" };

/** utime + stime of a process, in ms (Linux /proc; USER_HZ = 100). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;

export async function measureDelivery(server: Server, job: DeliveryJob): Promise<DeliveryResult> {
  const latency = new Map<string, number>();
  let duplicates = 0;
  let wake: () => void = () => undefined;
  const receiver = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const arrivedAt = Date.now();
    const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string; timestamp: number };
    if (latency.has(event.id)) duplicates += 1;
    else latency.set(event.id, arrivedAt - event.timestamp);
    response.writeHead(204).end();
    wake();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const endpoint = await fetch(`${server.url}/v1/webhooks`, { method: "POST", headers, body: JSON.stringify({ url }) });
    if (endpoint.status !== 200) throw new Error(`POST /v1/webhooks answered ${endpoint.status}: ${await endpoint.text()}`);

    let changes = 0;
    let failedChanges = 0;
    let inFlight = 0;
    let sent = 0;
    const total = job.ratePerS * job.durationS;
    const send = (i: number) => {
      inFlight += 1;
      fetch(`${server.url}/v1/sessions`, { method: "POST", headers, body: JSON.stringify({ user_id: `delivery-${i % 1000}` }) })
        .then(async (r) => {
          await r.arrayBuffer();
          if (r.status === 200) changes += 1;
          else failedChanges += 1;
        })
        .catch(() => (failedChanges += 1))
        .finally(() => (inFlight -= 1));
    };
    const cpuBefore = processCpuMs(server.pid);
    const started = performance.now();
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * job.ratePerS));
      for (; sent < due; sent++) {
        if (inFlight >= MAX_IN_FLIGHT) failedChanges += 1;
        else send(sent);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const sentFor = (performance.now() - started) / 1000;
    const drainUntil = Date.now() + job.drainS * 1000;
    while (latency.size < changes && Date.now() < drainUntil) {
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    const serverCpuMs = processCpuMs(server.pid) - cpuBefore;
    const sorted = Float64Array.from(latency.values()).sort();
    const { user, system } = process.cpuUsage();
    return {
      changes,
      failedChanges,
      changesPerS: changes / sentFor,
      delivered: latency.size,
      duplicates,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: quantile(sorted, 1),
      serverCpuUsPerChange: (serverCpuMs * 1000) / changes,
      cpuMs: (user + system) / 1000,
    };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
