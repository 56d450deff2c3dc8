/**
 * Who delivers to an endpoint (SPEC §9: one server at a time): a lease in the endpoint's
 * dispatch state, taken, renewed and given back with the store's conditional replace, so two
 * servers racing for it cannot both win, and a dead server's lease simply lapses.
 */
import type { WebhookEndpointRecord, WebhookStore } from "../core/store/index.js";

/** Lost races are retried this often; endpoint edits (PATCH, rotation, replay) race with the dispatcher too. */
const MAX_WRITE_TRIES = 10;

export function holdsLease(endpoint: WebhookEndpointRecord, holder: string, nowMs: number): boolean {
  return endpoint.dispatch.leaseHolder === holder && endpoint.dispatch.leaseUntil > nowMs;
}

function isFree(endpoint: WebhookEndpointRecord, holder: string, nowMs: number): boolean {
  const { leaseHolder, leaseUntil } = endpoint.dispatch;
  return leaseHolder === null || leaseHolder === holder || leaseUntil <= nowMs;
}

/**
 * Re-reads the endpoint and stores `change(endpoint)` if the version did not move meanwhile,
 * retrying a lost race on the fresh copy. `change` returns null to write nothing (the lease is
 * someone else's, the endpoint was disabled…). Returns the stored endpoint, or null.
 */
export async function changeEndpoint(
  store: WebhookStore,
  id: string,
  change: (current: WebhookEndpointRecord) => WebhookEndpointRecord | null,
): Promise<WebhookEndpointRecord | null> {
  for (let tries = 0; tries < MAX_WRITE_TRIES; tries++) {
    const current = await store.get(id);
    if (current === null) return null;
    const next = change(current);
    if (next === null) return null;
    if (await store.replace(next, current.version)) return { ...next, version: current.version + 1 };
  }
  return null;
}

/** Takes (or renews) the lease when it is free, ours, or lapsed; null when another server holds it or the endpoint is disabled. */
export function takeLease(store: WebhookStore, id: string, holder: string, nowMs: number, leaseMs: number): Promise<WebhookEndpointRecord | null> {
  return changeEndpoint(store, id, (e) =>
    e.disabled || !isFree(e, holder, nowMs) ? null : { ...e, dispatch: { ...e.dispatch, leaseHolder: holder, leaseUntil: nowMs + leaseMs } },
  );
}

/** Gives the lease back, so another server takes over at once instead of after it lapses. */
export async function releaseLease(store: WebhookStore, id: string, holder: string): Promise<void> {
  await changeEndpoint(store, id, (e) => (e.dispatch.leaseHolder !== holder ? null : { ...e, dispatch: { ...e.dispatch, leaseHolder: null, leaseUntil: 0 } }));
}
