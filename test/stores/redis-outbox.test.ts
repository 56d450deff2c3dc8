/**
 * What only the Redis outbox promises, on one server and on a cluster: events wait in their
 * user's slot without the secret digests; a relay that crashed before popping, a relay whose
 * lock expired, and a hint marked drained before a late script all still give each event to
 * a reader exactly once.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type EventStamp, type SessionEvent, newEventStamp, SYSTEM } from "../../src/core/events.js";
import { routingTag, systemRandom } from "../../src/core/session-token.js";
import type { Store } from "../../src/core/store/index.js";
import { RedisKeys } from "../../src/stores/redis/keys.js";
import { DRAINED_GRACE_MS } from "../../src/stores/redis/outbox.js";
import { makeRecord, T0 } from "../conformance/fixtures.js";
import { REDIS_URL, redisClusterUrl, redisSkip } from "../support/services.js";
import { openTestStore, rawClient } from "./redis-harness.js";

const noLimit = { maxActivePerUser: null, nowMs: T0 };
const stamp = (): EventStamp => newEventStamp(systemRandom, T0, SYSTEM);

async function readAll(store: Store): Promise<SessionEvent[]> {
  const out: SessionEvent[] = [];
  let key: string | null = null;
  for (;;) {
    const page = await store.outbox.read({}, key, 100);
    out.push(...page.items);
    if (page.nextKey === key) return out;
    key = page.nextKey;
  }
}

for (const [name, url] of [
  ["redis", REDIS_URL],
  ["redis cluster", redisClusterUrl()],
] as const) {
  const skip = await redisSkip(url);

  describe(`redis outbox: ${name}`, { skip }, () => {
    /** Runs `test` with a fresh store, a raw client on the same server and the store's keys. */
    const withRaw =
      (test: (store: ReturnType<typeof openTestStore>, raw: Awaited<ReturnType<typeof rawClient>>, keys: RedisKeys) => Promise<void>) => async () => {
        const store = openTestStore(url);
        const raw = await rawClient(url);
        try {
          await test(store, raw, new RedisKeys(store.options.prefix));
        } finally {
          raw.disconnect();
          await store.close();
        }
      };

    it(
      "keeps a change's events in its user's outbox, without the secret digests, until a relay numbers them",
      withRaw(async (store, raw, keys) => {
        const record = makeRecord({ userId: "ann" });
        const tag = routingTag(record.tenantId, record.userId);
        await store.sessions.insert(record, noLimit, undefined, stamp());
        const [entry, ...more] = await raw.lrange(keys.outbox(tag), 0, -1);
        assert.equal(more.length, 0);
        assert.ok(entry!.includes(record.id));
        assert.ok(!entry!.includes("secret_hash") && !entry!.includes("superseded_secrets"), "no secret digest waits in the outbox");
        assert.ok(Number(await raw.zscore(keys.outboxHint(), tag)) > 0, "the tag is hinted as pending");
        assert.deepEqual(await readAll(store), [], "not readable before the relay");
        assert.equal(await store.outbox.relay(), 1);
        assert.equal(await raw.llen(keys.outbox(tag)), 0);
        // Its writer's script may still be on the way (a cluster hints first): marked drained now, a
        // late event would wait for the drained re-check (10 s) instead of the next relay.
        assert.ok(Number(await raw.zscore(keys.outboxHint(), tag)) > 0, "a tag hinted a moment ago stays pending though empty");
        assert.deepEqual(
          (await readAll(store)).map((e) => e.sessionId),
          [record.id],
        );
        assert.equal(await store.outbox.relay(), 0);
        await raw.zadd(keys.outboxHint(), Date.now() - 3000, tag); // the same hint, older than the young window
        await store.outbox.relay();
        assert.ok(Number(await raw.zscore(keys.outboxHint(), tag)) < 0, "an emptied tag hinted long ago is marked drained");
      }),
    );

    it(
      "numbers events once when a relay crashed after numbering them but before popping them",
      withRaw(async (store, raw, keys) => {
        const records = [makeRecord({ userId: "ann" }), makeRecord({ userId: "ann" }), makeRecord({ userId: "bob" })];
        for (const r of records) await store.sessions.insert(r, noLimit, undefined, stamp());
        const tags = [...new Set(records.map((r) => routingTag(r.tenantId, r.userId)))];
        const copies = await Promise.all(tags.map((tag) => raw.lrange(keys.outbox(tag), 0, -1)));
        assert.equal(await store.outbox.relay(), 3);
        // As if the pops had never happened: the same entries, hinted again.
        for (const [i, tag] of tags.entries()) await raw.rpush(keys.outbox(tag), ...copies[i]!);
        await raw.zadd(keys.outboxHint(), ...tags.flatMap((tag) => [Date.now(), tag]));
        assert.equal(await store.outbox.relay(), 0, "nothing is numbered twice");
        for (const tag of tags) assert.equal(await raw.llen(keys.outbox(tag)), 0, "the duplicates are popped");
        assert.deepEqual(
          (await readAll(store)).map((e) => e.sessionId),
          records.map((r) => r.id),
        );
      }),
    );

    it(
      "relays an event whose script ran after a relay marked its tag drained, once the grace has passed; forgets hints to nothing",
      withRaw(async (store, raw, keys) => {
        const record = makeRecord({ userId: "cid" });
        const tag = routingTag(record.tenantId, record.userId);
        await store.sessions.insert(record, noLimit, undefined, stamp());
        const long = Date.now() - 2 * DRAINED_GRACE_MS;
        // The race: the relay found the outbox empty and marked the hint drained, then the writer's script ran.
        await raw.zadd(keys.outboxHint(), -long, tag);
        // A crash after the hint, before the script: a hint to an empty outbox.
        await raw.zadd(keys.outboxHint(), -long, "zzzz");
        assert.equal(await store.outbox.relay(), 0, "a drained tag is not read at once");
        assert.ok(Number(await raw.zscore(keys.outboxHint(), tag)) > 0, "the re-check found the event and made the tag pending");
        assert.equal(await raw.zscore(keys.outboxHint(), "zzzz"), null, "the hint to nothing is gone");
        assert.equal(await store.outbox.relay(), 1);
        assert.deepEqual(
          (await readAll(store)).map((e) => e.sessionId),
          [record.id],
        );
      }),
    );

    it(
      "gives each event to a reader exactly once while relays overlap (an expired lock) and two handles write",
      withRaw(async (a, raw, keys) => {
        const b = openTestStore(url, { prefix: a.options.prefix });
        const lock = keys.feed().relayLock;
        let writing = true;
        const relays = (async () => {
          while (writing) {
            await raw.del(lock);
            const first = a.outbox.relay();
            await raw.del(lock); // the first relay's lock "expires" while it runs
            await Promise.all([first, b.outbox.relay()]);
          }
        })();
        const write = async (store: Store, n: number) => {
          for (let i = 0; i < n; i++) {
            const record = makeRecord({ userId: `w${i % 5}` });
            await store.sessions.insert(record, noLimit, undefined, stamp());
            await store.sessions.update(record.id, { metadata: { i }, updatedAt: T0 + i }, 1, undefined, stamp());
          }
        };
        try {
          await Promise.all([write(a, 60), write(b, 60)]);
          writing = false;
          await relays;
          await a.outbox.relay();
          const ids = (await readAll(a)).map((e) => e.id);
          assert.equal(ids.length, 240);
          assert.equal(new Set(ids).size, 240, "no event twice");
        } finally {
          writing = false;
          await relays;
          await b.close();
        }
      }),
    );
  });
}
