/**
 * A local webhook receiver for system tests: a node:http server on 127.0.0.1 that verifies every
 * request's Standard Webhooks signature with the `standardwebhooks` package (as an app would),
 * answers 204 to what verifies and records it by `webhook-id`, so a test can count each event's
 * deliveries (duplicates included) and see every anomaly (a bad signature, mismatched headers).
 * It can be unavailable (503), down (not listening: connections are refused) and slow.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { Webhook } from "standardwebhooks";
import type { WireBody } from "./wire-body.js";

/** One request the receiver accepted (answered 2xx). */
export interface Delivery {
  id: string;
  /** The event as delivered (the body, parsed by the verifier). */
  event: WireBody;
  /** When it arrived, ms on this machine's clock (the server's clock too: same machine). */
  at: number;
  /** `webhook-timestamp`: seconds, signed afresh on every attempt. */
  signedAt: number;
}

/** One request that reached the receiver, whatever it answered. */
export interface Attempt {
  id: string | undefined;
  at: number;
  signedAt: number;
  answered: number;
}

export interface WebhookReceiver {
  /** Where to point the endpoint (the port stays the same across `down()` and `up()`). */
  readonly url: string;
  /** Every accepted request, in order of arrival. */
  readonly deliveries: Delivery[];
  /** Every request that reached the receiver, accepted or not. */
  readonly attempts: Attempt[];
  /** What was wrong with requests (bad signature, missing or mismatched headers): must stay empty. */
  readonly problems: string[];
  /** The endpoint's signing secret (`whsec_…`), known once the endpoint is created. */
  secret: string | null;
  /** Answer 503 to everything while true (the app is up, its handler fails). */
  unavailable: boolean;
  /** Milliseconds to wait before answering each request. */
  delayMs: number;
  /** Called with each accepted delivery, before it is answered (e.g. to kill the server mid-way). */
  onDelivery: ((delivery: Delivery, distinct: number) => void) | null;
  /** How many times each event id was accepted. */
  counts(): Map<string, number>;
  /** Stops listening: connections are refused until {@link up}. */
  down(): Promise<void>;
  /** Listens again on the same port. */
  up(): Promise<void>;
  /** Resolves once `done()` holds, checking on each delivery and every 100 ms; rejects after `timeoutMs`. */
  waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let wake: () => void = () => undefined;

  const receiver: WebhookReceiver = {
    url: "",
    deliveries: [],
    attempts: [],
    problems: [],
    secret: null,
    unavailable: false,
    delayMs: 0,
    onDelivery: null,
    counts: () => counts,
    down: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    up: async () => {
      await listen(server, port);
    },
    waitFor: async (what, done, timeoutMs) => {
      const until = Date.now() + timeoutMs;
      while (!done()) {
        if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), sleep(100)]);
      }
    },
    close: () => receiver.down(),
  };

  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of request) chunks.push(chunk as Buffer);
    } catch {
      return; // the sender died mid-request (a kill -9): nothing arrived
    }
    const body = Buffer.concat(chunks).toString("utf8");
    const id = header(request, "webhook-id");
    const signedAt = Number(header(request, "webhook-timestamp"));
    const at = Date.now();
    const answer = (status: number) => {
      receiver.attempts.push({ id, at, signedAt, answered: status });
      response.writeHead(status).end();
    };
    if (receiver.delayMs > 0) await sleep(receiver.delayMs);
    if (receiver.unavailable) return answer(503);
    let event: WireBody;
    try {
      if (receiver.secret === null) throw new Error("no secret yet");
      event = new Webhook(receiver.secret).verify(body, request.headers as Record<string, string>);
    } catch (error) {
      receiver.problems.push(`${id ?? "(no webhook-id)"}: signature: ${(error as Error).message}`);
      return answer(400);
    }
    // Clerk-webhook code reads the svix-* twins; the body's id is the one receivers de-duplicate by.
    for (const twin of ["id", "timestamp", "signature"]) {
      if (header(request, `svix-${twin}`) !== header(request, `webhook-${twin}`)) receiver.problems.push(`${id}: svix-${twin} differs from webhook-${twin}`);
    }
    if (event.id !== id) receiver.problems.push(`${id}: body id ${event.id} is not the webhook-id`);
    const delivery: Delivery = { id: id!, event, at, signedAt };
    receiver.deliveries.push(delivery);
    counts.set(delivery.id, (counts.get(delivery.id) ?? 0) + 1);
    receiver.onDelivery?.(delivery, counts.size);
    answer(204);
    wake();
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  const port = await listen(server, 0);
  (receiver as { url: string }).url = `http://127.0.0.1:${port}/hooks/sessiond`;
  return receiver;
}
