/** A local receiver, endpoints and dispatchers with short timings for the webhook tests. */
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store, WebhookEndpointRecord } from "../../src/core/store/index.js";
import { sqliteStore } from "../../src/stores/sqlite/index.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { createDispatcher, type Dispatcher, type DispatcherOptions } from "../../src/webhooks/index.js";

export interface Received {
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  at: number;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Event ids received, in arrival order. */
  ids(): string[];
  /** Replaces how it answers from now on. */
  answer(handler: Handler): void;
  close(): Promise<void>;
}

/** Answers a request already read; the default answers 204. */
export type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

export const answerWith =
  (status: number): Handler =>
  (_req, res) =>
    res.writeHead(status).end();

export async function startReceiver(handler: Handler = answerWith(204), port = 0): Promise<Receiver> {
  let current = handler;
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString();
      received.push({ path: req.url ?? "", headers: req.headers, body, at: Date.now() });
      current(req, res, body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}/hooks`,
    received,
    ids: () => received.map((r) => String(r.headers["webhook-id"] ?? "")),
    answer: (h) => (current = h),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const newSecret = () => `whsec_${randomBytes(32).toString("base64")}`;

let endpointCount = 0;

/** An endpoint as hooks-api stores it, starting at the feed's current end. */
export async function addEndpoint(store: Store, url: string, overrides: Partial<WebhookEndpointRecord> = {}): Promise<WebhookEndpointRecord> {
  endpointCount += 1;
  const now = Date.now();
  const endpoint: WebhookEndpointRecord = {
    id: `whe_test${String(endpointCount).padStart(6, "0")}`,
    tenantId: null,
    url,
    eventTypes: [],
    description: null,
    format: "standard_webhooks",
    audience: null,
    disabled: false,
    disabledReason: null,
    createdAt: now,
    updatedAt: now,
    secrets: [{ secret: newSecret(), expiresAt: null }],
    dispatch: { cursor: await store.outbox.positionAt(null), leaseHolder: null, leaseUntil: 0, failingSince: null, pausedUntil: 0, failedAttempts: 0 },
    version: 1,
    ...overrides,
  };
  await store.webhooks.insert(endpoint);
  return endpoint;
}

/** Until hooks-api's `openWebhookSecret` is wired in: the tests store secrets unsealed. */
const openUnsealed = (sealed: string) => sealed;

/** A dispatcher with test timings: attempts to 127.0.0.1 allowed, a 50/100/150 ms retry schedule, quick scans. */
export function testDispatcher(store: Store, overrides: Partial<DispatcherOptions> = {}): Dispatcher {
  return createDispatcher({
    store,
    openSecret: openUnsealed,
    logoutSigner: null,
    publicUrl: () => "https://sessions.example",
    allowPrivate: true,
    retryScheduleMs: [50, 100, 150],
    timeoutMs: 2_000,
    leaseMs: 600,
    scanEveryMs: 50,
    pollMs: 10,
    stopGraceMs: 500,
    ...overrides,
  });
}

/** The backends the dispatcher is tested on, each a fresh store. */
export const BACKENDS: { name: string; open(): Promise<Store> }[] = [
  { name: "memory", open: async () => memoryStore() },
  { name: "sqlite", open: async () => sqliteStore({ path: join(tempDir(), "s.db") }) },
];

export const tempDir = () => mkdtempSync(join(tmpdir(), "sessiond-webhooks-"));

/** Polls `done` every 20 ms until it holds or `timeoutMs` passes (then fails with `what`). */
export async function waitFor(what: string, done: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
