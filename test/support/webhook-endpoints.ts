/** Shared set-up of the webhook endpoint tests (src/core/webhooks*.test.ts): a memory store, a manual clock, fakes. */
import assert from "node:assert/strict";
import { ManualClock } from "../../src/core/clock.js";
import { isSessiondError } from "../../src/core/errors.js";
import { newEventStamp, SYSTEM } from "../../src/core/events.js";
import { newId, systemRandom } from "../../src/core/session-token.js";
import type { DeliveryAttempt, Store, WebhookEndpointRecord } from "../../src/core/store/index.js";
import { type SendTest, WebhookEndpoints } from "../../src/core/webhooks.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { makeRecord, T0 } from "../conformance/fixtures.js";

export const KEK = "unit-test-key-encryption-key-0123456789";
export const HOUR = 3_600_000;

export function setup(options: { kek?: string | null; sendTest?: SendTest } = {}) {
  const store = memoryStore();
  const clock = new ManualClock(T0);
  const kek = options.kek === undefined ? KEK : options.kek;
  const webhooks = new WebhookEndpoints({
    store,
    clock,
    random: systemRandom,
    keyEncryptionKey: kek,
    ...(options.sendTest ? { sendTest: options.sendTest } : {}),
  });
  return { store, clock, webhooks };
}

/** A session insert with its event, at `atMs`, as the session role writes it. */
export async function sessionEventAt(store: Store, atMs: number, tenantId = "acme"): Promise<string> {
  const record = makeRecord({ tenantId, createdAt: atMs });
  await store.sessions.insert(record, { maxActivePerUser: null, nowMs: atMs }, undefined, newEventStamp(systemRandom, atMs, SYSTEM));
  return record.id;
}

export async function sessionIdsFrom(store: Store, position: string | null): Promise<string[]> {
  return (await store.outbox.read({}, position, 100)).items.map((e) => e.sessionId);
}

export async function rejects(promise: Promise<unknown>, code: string, field?: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(isSessiondError(error), `expected a SessiondError, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (field !== undefined) assert.equal(error.details?.field, field, error.message);
    return true;
  });
}

export const stored = async (store: Store, id: string): Promise<WebhookEndpointRecord> => (await store.webhooks.get(id))!;

export function attemptOf(endpointId: string, attempt: number, at: number): DeliveryAttempt {
  return {
    id: newId("wha", at, systemRandom),
    endpointId,
    eventId: newId("evt", at, systemRandom),
    attempt,
    status: "failed",
    responseStatus: 503,
    durationMs: 12,
    at,
    nextAttemptAt: at + 5000,
    error: null,
  };
}

export function fakeSender(sent: string[]): SendTest {
  return async (endpoint) => {
    sent.push(endpoint.id);
    return { ...attemptOf(endpoint.id, 1, T0), eventId: newId("evt", T0, systemRandom), status: "succeeded", responseStatus: 204, nextAttemptAt: null };
  };
}
