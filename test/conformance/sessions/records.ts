/** Storing and reading records: round-trips and conditional writes. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isSessiondError } from "../../../src/core/errors.js";
import { hashSecret, newId, systemRandom } from "../../../src/core/session-token.js";
import { makeRecord, T0 } from "../fixtures.js";
import { type StoreHarness, withStore } from "../store.js";

const noLimit = { maxActivePerUser: null, nowMs: T0 };

export function recordTests(h: StoreHarness): void {
  describe("records", () => {
    it(
      "round-trips every field of a session record",
      withStore(h, async (store) => {
        const record = makeRecord({ actor: { sub: "user_admin", reason: "support" }, sessionType: "impersonation", boundUserAgent: "UA/1" });
        await store.sessions.insert(record, noLimit);
        assert.deepEqual(await store.sessions.get(record.id), record);
      }),
    );

    it(
      "round-trips nulls and empty collections",
      withStore(h, async (store) => {
        const record = makeRecord({
          workspaceId: null,
          username: null,
          sessionType: null,
          aud: null,
          scopes: [],
          amr: [],
          actor: null,
          lastActiveOrganizationId: null,
          ip: null,
          userAgent: null,
          location: null,
          latestActivity: null,
          maxAgeMinutes: null,
          metadata: {},
          abandonAt: null,
          inactivityTimeoutMs: null,
          slidingExpiration: false,
        });
        await store.sessions.insert(record, noLimit);
        assert.deepEqual(await store.sessions.get(record.id), record);
      }),
    );

    it(
      "answers null for an unknown id",
      withStore(h, async (store) => {
        assert.equal(await store.sessions.get("sess_0000000000000000000000000000zz"), null);
      }),
    );

    it(
      "refuses a second insert of the same id",
      withStore(h, async (store) => {
        const record = makeRecord();
        await store.sessions.insert(record, noLimit);
        await assert.rejects(store.sessions.insert(record, noLimit), (e) => isSessiondError(e, "conflict"));
      }),
    );

    it(
      "applies an update only at the expected version and bumps it",
      withStore(h, async (store) => {
        const record = makeRecord();
        await store.sessions.insert(record, noLimit);
        const superseded = [{ hash: record.secretHash, supersededAt: T0 + 5 }];
        const updated = await store.sessions.update(
          record.id,
          { secretHash: hashSecret("next"), supersededSecrets: superseded, lastRefreshedAt: T0 + 5, metadata: { a: 1 } },
          1,
        );
        assert.equal(updated.version, 2);
        assert.deepEqual(updated.supersededSecrets, superseded);
        assert.deepEqual(await store.sessions.get(record.id), updated);
        await assert.rejects(store.sessions.update(record.id, { status: "revoked" }, 1), (e) => isSessiondError(e, "conflict"));
        assert.equal((await store.sessions.get(record.id))!.status, "active");
      }),
    );

    it(
      "reports resource_not_found when updating an unknown id",
      withStore(h, async (store) => {
        await assert.rejects(store.sessions.update("sess_0000000000000000000000000000zz", { status: "revoked" }, 1), (e) =>
          isSessiondError(e, "resource_not_found"),
        );
      }),
    );

    it(
      "records activity without touching status or version, and never on a terminal session",
      withStore(h, async (store) => {
        const record = makeRecord();
        await store.sessions.insert(record, noLimit);
        const activity = {
          ...record.latestActivity!,
          id: newId("sact", T0 + 100, systemRandom),
          at: T0 + 100,
          ipAddress: "198.51.100.1",
          changed: ["ip" as const],
        };
        const change = {
          lastActiveAt: T0 + 100,
          expireAt: record.expireAt + 100,
          abandonAt: record.abandonAt! + 100,
          location: "Paris, FR",
          latestActivity: activity,
        };
        assert.equal(await store.sessions.recordActivity(record.id, change, 20), true);
        const after = (await store.sessions.get(record.id))!;
        assert.equal(after.version, 1);
        assert.equal(after.lastActiveAt, T0 + 100);
        assert.deepEqual(after.latestActivity, activity);
        assert.equal(after.location, "Paris, FR");
        // an older activity arriving late must not move time backwards
        assert.equal(await store.sessions.recordActivity(record.id, { ...change, lastActiveAt: T0 + 50 }, 20), false);
        await store.sessions.update(record.id, { status: "revoked", endReason: "revoked", revokedAt: T0 + 200, endedAt: T0 + 200 }, 1);
        const later = { ...change, lastActiveAt: T0 + 300, latestActivity: { ...activity, id: newId("sact", T0 + 300, systemRandom), at: T0 + 300 } };
        assert.equal(await store.sessions.recordActivity(record.id, later, 20), false);
        const final = (await store.sessions.get(record.id))!;
        assert.equal(final.status, "revoked");
        assert.equal(final.lastActiveAt, T0 + 100);
      }),
    );

    it(
      "keeps only the newest activities up to the history limit",
      withStore(h, async (store) => {
        const record = makeRecord();
        await store.sessions.insert(record, noLimit);
        for (let i = 1; i <= 7; i++) {
          const activity = { ...record.latestActivity!, id: newId("sact", T0 + i * 1000, systemRandom), at: T0 + i * 1000 };
          await store.sessions.recordActivity(
            record.id,
            { lastActiveAt: activity.at, expireAt: record.expireAt, abandonAt: record.abandonAt, location: null, latestActivity: activity },
            3,
          );
        }
        const page = await store.sessions.activities(record.id, { limit: 10 });
        assert.deepEqual(
          page.items.map((a) => a.at),
          [T0 + 7000, T0 + 6000, T0 + 5000],
        );
        assert.equal(page.nextKey, null);
      }),
    );
  });
}
