/** How far behind the dispatcher is, for `/metrics`: deliveries queued for a retry and the oldest event not yet delivered. */
import type { Store, WebhookEndpointRecord } from "../core/store/index.js";
import { endpointFilter } from "./round.js";

export interface Backlog {
  /** Deliveries waiting for a retry at the endpoints this server holds (counted up to a cap per endpoint). */
  queueDepth: number;
  /** The timestamp of the oldest event still to deliver (queued, or after the cursor); null when none. */
  oldestUndeliveredAt: number | null;
}

/** Counting beyond this per endpoint costs a scan for nothing: the alert fires either way. */
const QUEUE_COUNT_CAP = 1_000;

export async function backlogOf(store: Pick<Store, "outbox" | "webhooks">, endpoints: readonly WebhookEndpointRecord[]): Promise<Backlog> {
  let queueDepth = 0;
  let oldest: number | null = null;
  const older = (at: number | undefined) => {
    if (at !== undefined && Number.isFinite(at) && (oldest === null || at < oldest)) oldest = at;
  };
  for (const e of endpoints) {
    if (e.disabled) continue;
    const queued = await store.webhooks.due(e.id, Number.MAX_SAFE_INTEGER, QUEUE_COUNT_CAP);
    queueDepth += queued.length;
    for (const d of queued) older((JSON.parse(d.payload) as { timestamp?: number }).timestamp);
    if (e.dispatch.cursor !== null) older((await store.outbox.read(endpointFilter(e), e.dispatch.cursor, 1)).items[0]?.timestamp);
  }
  return { queueDepth, oldestUndeliveredAt: oldest };
}
