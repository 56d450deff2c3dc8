/**
 * What the events system tests share: the settings of a `sessiond serve` that delivers to a
 * local receiver, state changes spread over several servers, the event feed read whole or
 * paged, and webhook endpoints pointed at a {@link WebhookReceiver}.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { dropPrefix } from "../stores/redis-harness.js";
import type { Server } from "../system/server.js";
import { dropSchema, freshSchema, POSTGRES_URL, postgresSkip, REDIS_URL, redisClusterUrl, redisSkip } from "./services.js";
import type { WebhookReceiver } from "./webhook-receiver.js";
import type { WireBody } from "./wire-body.js";

export const ROOT = "events-root-key-0123456789abcdef01234567";

/** Retries after 1, 1 and 2 s: the SPEC's schedule, shortened so that a test sees all of it. */
export const RETRY_SCHEDULE_S = [1, 1, 2];

/** The environment of a server on `store` (no geo-IP: nothing here reads places). */
export function serverEnv(store: string, extra: Record<string, string> = {}): Record<string, string> {
  return { SESSIOND_ROOT_KEY: ROOT, SESSIOND_STORE: store, SESSIOND_GEOIP_DATABASE: "off", ...extra };
}

/** The environment of a server that delivers to 127.0.0.1 with the shortened schedule. */
export function webhookEnv(store: string, extra: Record<string, string> = {}): Record<string, string> {
  return serverEnv(store, {
    // Endpoint secrets are sealed at rest on shared stores.
    SESSIOND_KEY_ENCRYPTION_KEY: "events-key-encryption-key-0123456789abcdef",
    SESSIOND_WEBHOOK_ALLOW_PRIVATE: "true",
    SESSIOND_WEBHOOK_RETRY_SCHEDULE: RETRY_SCHEDULE_S.join(","),
    ...extra,
  });
}

export type BackendName = "SQLite" | "PostgreSQL" | "Redis" | "Redis Cluster";

/** A fresh, private store of one backend; `skip` as `describe` takes it (under CI=true a missing service throws). */
export interface Backend {
  name: BackendName;
  store: string;
  skip: false | string;
  cleanup(): Promise<void>;
}

/** A fresh SQLite file, PostgreSQL schema or Redis key prefix for each named backend. */
export async function backends(names: readonly BackendName[]): Promise<Backend[]> {
  const out: Backend[] = [];
  for (const name of names) {
    if (name === "SQLite") {
      const dir = mkdtempSync(join(tmpdir(), "sessiond-events-"));
      out.push({ name, store: `sqlite:${join(dir, "sessiond.db")}`, skip: false, cleanup: async () => rmSync(dir, { recursive: true, force: true }) });
    } else if (name === "PostgreSQL") {
      const schema = freshSchema();
      const skip = await postgresSkip();
      out.push({ name, store: `${POSTGRES_URL}?schema=${schema}`, skip, cleanup: async () => (skip === false ? dropSchema(schema) : undefined) });
    } else {
      const url = name === "Redis" ? REDIS_URL : redisClusterUrl();
      const prefix = `${freshSchema()}:`;
      const skip = await redisSkip(url);
      out.push({ name, store: `${url}?prefix=${prefix}`, skip, cleanup: async () => (skip === false ? dropPrefix(url, prefix) : undefined) });
    }
  }
  return out;
}

/** Resolves once `probe` holds (checked every 50 ms); a probe that throws counts as not yet. */
export async function until(what: string, probe: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  await readUntil(
    what,
    async () => probe(),
    (held) => held,
    timeoutMs,
  );
}

/** Reads every 50 ms until `done` holds for what was read, and returns that; a read that throws counts as not yet. */
export async function readUntil<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read().then(
      (v) => ({ v }),
      () => null,
    );
    if (value !== null && done(value.v)) return value.v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Runs `task(0…count-1)` with at most `concurrency` at once; a task that throws stops its worker and is rethrown at the end. */
export async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await task(i);
  };
  await Promise.all(Array.from({ length: Math.min(count, concurrency) }, worker));
}

export interface Changes {
  /** Session ids whose create was answered 200, in the order the answers came. */
  created: string[];
  /** Session ids whose revoke was answered 200. */
  revoked: string[];
}

/**
 * `creates` sessions, the first `revokes` of them revoked right after their create (through the
 * next server): `creates + revokes` state changes, each one event, the two kinds interleaved,
 * each request sent to the servers in turn, `concurrency` sessions at a time, until `stopped()`.
 */
export async function createAndRevoke(
  servers: Server[],
  o: { creates: number; revokes: number; concurrency: number; user: string; stopped?: () => boolean },
): Promise<Changes> {
  const changes: Changes = { created: [], revoked: [] };
  await inParallel(o.creates, o.concurrency, async (i) => {
    if (o.stopped?.() === true) return;
    const created = await servers[i % servers.length]!.request("POST", "/v1/sessions", ROOT, { user_id: `${o.user}-${i % 50}` });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    changes.created.push(created.body.id);
    if (i >= o.revokes) return;
    const revoked = await servers[(i + 1) % servers.length]!.request("POST", `/v1/sessions/${created.body.id}/revoke`, ROOT);
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    changes.revoked.push(created.body.id);
  });
  return changes;
}

export interface FeedPage {
  data: WireBody[];
  next_cursor: string;
}

/** One page of `GET /v1/events` (`after` omitted: from the oldest retained event). */
export async function feedPage(server: Server, after: string | null, query = "limit=500"): Promise<FeedPage> {
  const answer = await server.request("GET", `/v1/events?${query}${after === null ? "" : `&after=${encodeURIComponent(after)}`}`, ROOT);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  assert.equal(typeof answer.body.next_cursor, "string", "next_cursor is never null");
  return answer.body;
}

/** Every readable event from the oldest, paging until a page comes back empty. */
export async function wholeFeed(server: Server, query = "limit=500"): Promise<WireBody[]> {
  const events: WireBody[] = [];
  for (let after: string | null = null; ; ) {
    const page = await feedPage(server, after, query);
    if (page.data.length === 0) return events;
    events.push(...page.data);
    after = page.next_cursor;
  }
}

/** Creates a root endpoint for every event type pointing at the receiver, and gives the receiver its secret. */
export async function endpointFor(server: Server, receiver: WebhookReceiver, body: Record<string, unknown> = {}): Promise<WireBody> {
  const created = await server.request("POST", "/v1/webhooks", ROOT, { url: receiver.url, ...body });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.match(created.body.secret, /^whsec_/);
  receiver.secret = created.body.secret;
  return created.body;
}

/** Every attempt in an endpoint's delivery log, newest first. */
export async function deliveryLog(server: Server, endpointId: string): Promise<WireBody[]> {
  const attempts: WireBody[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = await server.request(
      "GET",
      `/v1/webhooks/${endpointId}/deliveries?limit=100${cursor === null ? "" : `&cursor=${encodeURIComponent(cursor)}`}`,
      ROOT,
    );
    assert.equal(page.status, 200, JSON.stringify(page.body));
    attempts.push(...page.body.data);
    cursor = page.body.next_cursor;
    if (cursor === null || page.body.data.length === 0) return attempts;
  }
}

/** How many events were delivered more than once, and the most deliveries of one event. */
export function duplicates(counts: Map<string, number>): { events: number; extraDeliveries: number; most: number } {
  let events = 0;
  let extraDeliveries = 0;
  let most = 0;
  for (const n of counts.values()) {
    if (n > 1) events += 1;
    extraDeliveries += n - 1;
    most = Math.max(most, n);
  }
  return { events, extraDeliveries, most };
}
