/**
 * Change-to-delivery latency: a local webhook receiver, one endpoint on a running `sessiond
 * serve` pointed at it, and events made at a fixed rate. They come from revoke-alls of users
 * seeded with `perCommit` sessions each (seeded before the endpoint exists, so their creates are
 * not delivered): one request and one commit per `perCommit` events, so that what is measured is
 * the delivery of 1,000 events a second, not the server's ceiling on creates over HTTP. The
 * latency of an event is the receiver's clock when it arrives minus the event's `timestamp`
 * (when the change was made; the server shares this machine's clock).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "./processes.js";
import { ROOT_KEY } from "./serve.js";

export interface DeliveryJob {
  eventsPerS: number;
  /** Sessions per seeded user: the events of one revoke-all. */
  perCommit: number;
  durationS: number;
  /** How long to wait after the last change for the rest to arrive. */
  drainS: number;
}

export interface DeliveryResult {
  /** Sessions revoked by the revoke-alls answered 200: one event each. */
  events: number;
  /** Revoke-alls that failed or could not be sent on time (more than `MAX_IN_FLIGHT` out). */
  failedCommits: number;
  /** Events per second actually made over the run. */
  eventsPerS: number;
  /** Distinct events that arrived. */
  delivered: number;
  /** Deliveries beyond the first of an event. */
  duplicates: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** The server's CPU time per event (its share of the revoke-all, and its delivery) over the run. */
  serverCpuUsPerEvent: number;
  cpuMs: number;
}

/** Requests out at once before the generator counts a send as failed instead of queueing without bound. */
const MAX_IN_FLIGHT = 64;
const SEEDERS = 16;
const headers = { authorization: `Bearer ${ROOT_KEY}`, "content-type": "application/json" };

/** utime + stime of a process, in ms (Linux /proc; USER_HZ = 100). */
function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const quantile = (sorted: Float64Array, q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? Number.NaN;

async function post(server: Server, path: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(server.url + path, { method: "POST", headers, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** `users` users with `perUser` sessions each, over HTTP, `SEEDERS` requests at a time. */
async function seed(server: Server, users: number, perUser: number): Promise<void> {
  let next = 0;
  const seeder = async () => {
    for (let i = next++; i < users * perUser; i = next++) {
      const created = await post(server, "/v1/sessions", { user_id: `delivery-${i % users}` });
      if (created.status !== 200) throw new Error(`seeding: POST /v1/sessions answered ${created.status}`);
    }
  };
  await Promise.all(Array.from({ length: SEEDERS }, seeder));
}

export async function measureDelivery(server: Server, job: DeliveryJob): Promise<DeliveryResult> {
  const commitsPerS = job.eventsPerS / job.perCommit;
  const users = Math.ceil(commitsPerS * job.durationS);
  // User `users` is the warm-up's.
  await seed(server, users + 1, job.perCommit);
  const latency = new Map<string, number>();
  let warmUpEvents = 0;
  let measuring = false;
  let duplicates = 0;
  let wake: () => void = () => undefined;
  const receiver = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const arrivedAt = Date.now();
    const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: string; timestamp: number };
    if (!measuring) warmUpEvents += 1;
    else if (latency.has(event.id)) duplicates += 1;
    else latency.set(event.id, arrivedAt - event.timestamp);
    response.writeHead(204).end();
    wake();
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  try {
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const endpoint = await post(server, "/v1/webhooks", { url });
    if (endpoint.status !== 200) throw new Error(`POST /v1/webhooks answered ${endpoint.status}: ${JSON.stringify(endpoint.body)}`);

    // Warm-up: the dispatchers find a new endpoint on their next look at the endpoint list; the run starts once it delivers.
    const warmUp = await post(server, `/v1/users/delivery-${users}/sessions/revoke`, {});
    if (warmUp.status !== 200) throw new Error(`warm-up revoke-all answered ${warmUp.status}`);
    for (const until = Date.now() + 30_000; warmUpEvents < (warmUp.body.revoked_count as number); ) {
      if (Date.now() > until) throw new Error("the warm-up's events were not delivered within 30 s");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    measuring = true;
    let events = 0;
    let failedCommits = 0;
    let inFlight = 0;
    let sent = 0;
    const revokeAll = (user: number) => {
      inFlight += 1;
      post(server, `/v1/users/delivery-${user}/sessions/revoke`, {})
        .then((r) => {
          if (r.status === 200) events += r.body.revoked_count as number;
          else failedCommits += 1;
        })
        .catch(() => (failedCommits += 1))
        .finally(() => (inFlight -= 1));
    };
    const cpuBefore = processCpuMs(server.pid);
    const started = performance.now();
    while (sent < users) {
      const due = Math.min(users, Math.floor(((performance.now() - started) / 1000) * commitsPerS));
      for (; sent < due; sent++) {
        if (inFlight >= MAX_IN_FLIGHT) failedCommits += 1;
        else revokeAll(sent);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    const sentFor = (performance.now() - started) / 1000;
    const drainUntil = Date.now() + job.drainS * 1000;
    while (latency.size < events && Date.now() < drainUntil) {
      await Promise.race([new Promise<void>((resolve) => (wake = resolve)), new Promise((resolve) => setTimeout(resolve, 100))]);
    }
    const serverCpuMs = processCpuMs(server.pid) - cpuBefore;
    const sorted = Float64Array.from(latency.values()).sort();
    const { user, system } = process.cpuUsage();
    return {
      events,
      failedCommits,
      eventsPerS: events / sentFor,
      delivered: latency.size,
      duplicates,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: quantile(sorted, 1),
      serverCpuUsPerEvent: (serverCpuMs * 1000) / events,
      cpuMs: (user + system) / 1000,
    };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
