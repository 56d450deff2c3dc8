/** The webhook role (SPEC §9): endpoints with a conditional replace, the retry queue and the delivery log. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "../../src/core/errors.js";
import type { DeliveryAttempt, ScheduledDelivery, Store, WebhookEndpointRecord } from "../../src/core/store/index.js";
import { T0 } from "./fixtures.js";
import { type StoreHarness, withStore, withTwo } from "./store.js";

function endpoint(id: string, tenantId: string | null, overrides: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord {
  return {
    id,
    tenantId,
    url: "https://hooks.example/in?x=ü",
    eventTypes: ["session.revoked", "session.ended"],
    description: "billing",
    format: "standard_webhooks",
    audience: null,
    disabled: false,
    disabledReason: null,
    createdAt: T0,
    updatedAt: T0,
    secrets: [{ secret: "enc:abc", expiresAt: null }],
    dispatch: { cursor: null, leaseHolder: null, leaseUntil: 0, failingSince: null, pausedUntil: 0, failedAttempts: 0 },
    version: 1,
    ...overrides,
  };
}

const delivery = (endpointId: string, eventId: string, dueAt: number, attempt = 2): ScheduledDelivery => ({
  endpointId,
  eventId,
  attempt,
  dueAt,
  payload: JSON.stringify({ id: eventId, data: { ok: "ü" } }),
});

const attempt = (id: string, endpointId: string, at: number): DeliveryAttempt => ({
  id,
  endpointId,
  eventId: `evt_${id}`,
  attempt: 1,
  status: "failed",
  responseStatus: 503,
  durationMs: 12,
  at,
  nextAttemptAt: at + 5000,
  error: null,
});

async function allAttempts(store: Store, endpointId: string, limit: number): Promise<string[]> {
  const ids: string[] = [];
  let afterKey: string | undefined;
  for (;;) {
    const page = await store.webhooks.attempts(endpointId, { limit, ...(afterKey === undefined ? {} : { afterKey }) });
    ids.push(...page.items.map((a) => a.id));
    if (page.nextKey === null) return ids;
    afterKey = page.nextKey;
  }
}

export function webhookTests(h: StoreHarness): void {
  describe("webhooks", () => {
    it(
      "stores endpoints whole, lists them per tenant or all, and deletes them",
      withStore(h, async ({ webhooks }) => {
        const a = endpoint("whe_2", "acme");
        await webhooks.insert(a);
        await webhooks.insert(endpoint("whe_1", null, { format: "oidc_backchannel_logout", audience: "rp-1", eventTypes: [] }));
        await webhooks.insert(endpoint("whe_3", "globex"));
        await assert.rejects(webhooks.insert(a), (e) => isSessiondError(e, "conflict"));
        assert.deepEqual(await webhooks.get("whe_2"), a);
        assert.equal(await webhooks.get("whe_9"), null);
        assert.deepEqual(
          (await webhooks.list("acme")).map((e) => e.id),
          ["whe_2"],
        );
        assert.deepEqual(
          (await webhooks.list(undefined)).map((e) => e.id),
          ["whe_1", "whe_2", "whe_3"],
        );
        assert.equal((await webhooks.get("whe_1"))!.tenantId, null);
        assert.equal(await webhooks.delete("whe_2"), true);
        assert.equal(await webhooks.delete("whe_2"), false);
        assert.equal(await webhooks.get("whe_2"), null);
      }),
    );

    it(
      "replaces an endpoint only at the expected version, so two servers cannot both take a lease",
      withTwo(h, async (a, b) => {
        await a.webhooks.insert(endpoint("whe_1", "acme"));
        const seen = (await a.webhooks.get("whe_1"))!;
        const lease = (holder: string) => ({ ...seen, dispatch: { ...seen.dispatch, leaseHolder: holder, leaseUntil: T0 + 15_000 } });
        const results = await Promise.all([a.webhooks.replace(lease("srv_a"), 1), b.webhooks.replace(lease("srv_b"), 1)]);
        assert.deepEqual(results.filter(Boolean), [true], "exactly one wins");
        const stored = (await b.webhooks.get("whe_1"))!;
        assert.equal(stored.version, 2);
        assert.equal(stored.dispatch.leaseHolder, results[0] ? "srv_a" : "srv_b");
        assert.equal(await a.webhooks.replace({ ...stored, disabled: true }, 1), false, "a stale version changes nothing");
        assert.equal((await a.webhooks.get("whe_1"))!.disabled, false);
        assert.equal(await a.webhooks.replace({ ...stored, id: "whe_9" }, 2), false, "an unknown id changes nothing");
        assert.equal(await a.webhooks.replace({ ...stored, dispatch: { ...stored.dispatch, cursor: "42" } }, 2), true);
        assert.equal((await b.webhooks.get("whe_1"))!.dispatch.cursor, "42");
      }),
    );

    it(
      "queues deliveries per endpoint, returns the due ones earliest first, replaces and removes them",
      withStore(h, async ({ webhooks }) => {
        await webhooks.insert(endpoint("whe_1", "acme"));
        await webhooks.insert(endpoint("whe_2", "acme"));
        await webhooks.schedule([
          delivery("whe_1", "evt_b", T0 + 20),
          delivery("whe_1", "evt_a", T0 + 10),
          delivery("whe_1", "evt_c", T0 + 99),
          delivery("whe_2", "evt_a", T0),
        ]);
        assert.deepEqual(await webhooks.due("whe_1", T0 + 50, 10), [delivery("whe_1", "evt_a", T0 + 10), delivery("whe_1", "evt_b", T0 + 20)]);
        assert.deepEqual(
          (await webhooks.due("whe_1", T0 + 50, 1)).map((d) => d.eventId),
          ["evt_a"],
        );
        await webhooks.schedule([delivery("whe_1", "evt_a", T0 + 200, 3)]);
        assert.deepEqual(
          (await webhooks.due("whe_1", T0 + 50, 10)).map((d) => d.eventId),
          ["evt_b"],
          "a rescheduled delivery replaces the earlier one",
        );
        assert.equal((await webhooks.due("whe_1", T0 + 500, 10)).find((d) => d.eventId === "evt_a")!.attempt, 3);
        await webhooks.unschedule("whe_1", ["evt_b", "evt_unknown"]);
        assert.deepEqual(
          (await webhooks.due("whe_1", T0 + 500, 10)).map((d) => d.eventId),
          ["evt_c", "evt_a"],
        );
        assert.deepEqual(
          (await webhooks.due("whe_2", T0 + 500, 10)).map((d) => d.eventId),
          ["evt_a"],
        );
        await webhooks.delete("whe_2");
        assert.deepEqual(await webhooks.due("whe_2", T0 + 500, 10), []);
      }),
    );

    it(
      "logs attempts once each, pages them newest first and forgets those older than asked",
      withStore(h, async ({ webhooks }) => {
        await webhooks.insert(endpoint("whe_1", "acme"));
        const ids = Array.from({ length: 7 }, (_, i) => `wha_0${i}`);
        await webhooks.logAttempts(
          ids.map((id, i) => attempt(id, "whe_1", T0 + i)),
          0,
        );
        await webhooks.logAttempts([attempt("wha_03", "whe_1", T0 + 3), attempt("wha_x", "whe_2", T0)], 0);
        assert.deepEqual(await allAttempts({ webhooks } as Store, "whe_1", 3), [...ids].reverse());
        const [newest] = (await webhooks.attempts("whe_1", { limit: 1 })).items;
        assert.deepEqual(newest, attempt("wha_06", "whe_1", T0 + 6));
        await webhooks.logAttempts([attempt("wha_07", "whe_1", T0 + 7)], T0 + 5);
        const kept = await allAttempts({ webhooks } as Store, "whe_1", 10);
        assert.ok(kept.includes("wha_07") && kept.includes("wha_05"));
        assert.ok(!kept.includes("wha_00") || kept.length === 8, "older attempts MAY go; if any went, the oldest went first");
        assert.deepEqual(await allAttempts({ webhooks } as Store, "whe_2", 10), ["wha_x"]);
      }),
    );
  });
}
