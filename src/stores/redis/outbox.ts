/**
 * The Redis store's outbox (SPEC §9). A write's events land, inside its Lua script, on the
 * outbox LIST of its tag (lua.ts, outbox-lua.ts): atomic with the change on a cluster too,
 * but per slot, so not yet in one order. `relay` numbers them into one feed under `{ev}`:
 *
 * 1. The hint ZSET names the tags with pending events (score: when, > 0). On one server the
 *    script writes it with the events; on a cluster the writer adds it before its script, so
 *    a crash can leave a hint to nothing but never an event no hint names.
 * 2. One relay at a time (a SET NX PX lock) reads the server's time (the cut) and takes each
 *    hinted tag's oldest events committed by then, sorted by commit instant across tags; one
 *    script in `{ev}` skips ids it numbered already, gives the rest the next seqs (INCR) and
 *    adds them to the feed; only then are they popped from the tag's outbox (a script that
 *    pops only the entries taken). A crash between the two brings them again: de-duplicated.
 *    Events committed after the cut wait for the next call, so the feed follows commit order
 *    (on a cluster, as far as the nodes' clocks agree) unless a backlog spans several batches.
 * 3. A tag found empty is marked drained (its score negated) unless a writer re-scored it or
 *    hinted it less than {@link YOUNG_HINT_MS} ago (its script may not have run yet);
 *    after {@link DRAINED_GRACE_MS} its outbox is checked once more (a writer whose script ran
 *    after the relay emptied it, with its hint written before) and the hint then goes.
 *
 * Readers page the feed by seq (the position), so each sees every event exactly once, in the
 * order the relay numbered them (commit order per user; across users, relay order).
 * positionAt uses the running maximum timestamp by seq (never decreasing, so the first seq
 * whose maximum reaches a time is at or before every event at or after that time).
 */
import { randomBytes } from "node:crypto";
import { type EventStamp, type SessionEvent, eventRecord, insertEventType } from "../../core/events.js";
import type { SessionRecord } from "../../core/model.js";
import type { EventFilter, EventPage, OutboxStore } from "../../core/store/index.js";
import { matchesEventFilter, parseSeq } from "../event-positions.js";
import { decodeRecord, hashOf } from "./codec.js";
import type { Client } from "./connection.js";
import type { RedisContext } from "./context.js";

/** How long a drained tag keeps its hint: far beyond the gap between a writer's hint and its script. */
export const DRAINED_GRACE_MS = 10_000;

/**
 * A tag hinted this recently and found empty stays pending (looked at again by the next relay)
 * rather than being marked drained: on a cluster its writer's script may still be on its way,
 * and an event that arrives after the mark would wait for the re-check, 10 s, instead of the
 * next relay (SPEC §9: readable within 1 s). Costs a few reads of an empty list per write.
 */
const YOUNG_HINT_MS = 2_000;
const LOCK_MS = 30_000;
/** A relay stops well before its lock could expire; the next call goes on. */
const RELAY_BUDGET_MS = LOCK_MS / 3;
/** How many hinted tags one call takes on; more wait for the next call. */
const TAGS_PER_CALL = 10_000;
/** Tags per batch, and events per tag per batch: the events of a batch are numbered in commit order. */
const TAGS_PER_BATCH = 500;
const TAKE_PER_TAG = 50;
const FEED_CHUNK = 500;
/** Drained tags re-checked per call: at four relays a second, 8,000 newly written users a second before the hint grows. */
const DRAINED_PER_CALL = 2000;
/** How many events a filtered read examines at most before returning what it found (its position still moves). */
const READ_EXAMINES = 5000;

/**
 * A write's stamp as the four ARGV of lua.ts: id base ('' = no events), initiator JSON,
 * signals JSON, and the hint: on one server, where a script may write any key, `<tag> <hint
 * key>` for the script to write with its events (atomically); on a cluster '' (the hint is in
 * another slot: {@link afterHint} writes it first).
 */
export function stampArgs(ctx: RedisContext, stamp: EventStamp | undefined, tag: string): string[] {
  if (stamp === undefined) return ["", "", "null", ""];
  const signals = stamp.signals === undefined ? "null" : JSON.stringify(stamp.signals);
  return [stamp.idBase, JSON.stringify(stamp.initiatedBy), signals, ctx.conn.isCluster ? "" : `${tag} ${ctx.keys.outboxHint()}`];
}

/** Runs `write`, on a cluster only after hinting `tags` (one server: the script hints them itself, see {@link stampArgs}). */
export async function afterHint<T>(ctx: RedisContext, tags: readonly string[], write: (c: Client) => Promise<T>): Promise<T> {
  if (tags.length > 0 && ctx.conn.isCluster) await ctx.conn.run((c) => c.zadd(ctx.keys.outboxHint(), ...hintMembers(tags)));
  return ctx.conn.run(write);
}

/**
 * The inserted record's event as emitBuilt (outbox-lua.ts) takes it: the JSON after its id and
 * commit instant. The record is stored exactly as encoded, so this is what an HGETALL would
 * read back, built here instead of in Lua (it is the one event of most inserts).
 */
export function insertedEntry(stamp: EventStamp | undefined, record: SessionRecord, pairs: readonly string[], ts: number): string {
  if (stamp === undefined) return "";
  const rec: string[] = [];
  for (let i = 0; i < pairs.length; i += 2) if (!HIDDEN_FIELDS.has(pairs[i]!)) rec.push(pairs[i]!, pairs[i + 1]!);
  const entry = { type: insertEventType(record), ts, by: stamp.initiatedBy, signals: stamp.signals ?? null, rec };
  return JSON.stringify(entry).slice(1);
}

const HIDDEN_FIELDS = new Set(["secret_hash", "superseded_secrets"]);

/** ZADD arguments that mark `tags` pending as of now. */
export function hintMembers(tags: readonly string[]): (string | number)[] {
  const now = Date.now();
  return [...new Set(tags)].flatMap((tag) => [now, tag]);
}

interface OutboxEntry {
  id: string;
  type: SessionEvent["type"];
  ts: number;
  at: number;
  by: SessionEvent["initiatedBy"];
  signals: SessionEvent["signals"];
  rec: string[];
}

/** An outbox entry (outbox-lua.ts's emit): the event it reports and when it was committed (µs, the node's clock). */
export function decodeEntry(text: string): { event: SessionEvent; at: number } {
  const entry = JSON.parse(text) as OutboxEntry;
  const record = decodeRecord(hashOf(entry.rec))!;
  const event: SessionEvent = {
    id: entry.id,
    type: entry.type,
    tenantId: record.tenantId,
    userId: record.userId,
    sessionId: record.id,
    timestamp: entry.ts,
    initiatedBy: entry.by,
    signals: entry.signals,
    record: eventRecord(record),
  };
  return { event, at: entry.at };
}

/**
 * The events of one tag's outbox committed by `cut`, in its order. Its commit instants are
 * made non-decreasing first, so a clock step back on the node cannot reorder the tag's events.
 */
function committedBy(entries: readonly string[], cut: number): { event: SessionEvent; at: number }[] {
  const out: { event: SessionEvent; at: number }[] = [];
  let last = 0;
  for (const text of entries) {
    const entry = decodeEntry(text);
    last = Math.max(last, entry.at);
    if (last > cut) break;
    out.push({ event: entry.event, at: last });
  }
  return out;
}

/** Pairs of a WITHSCORES reply. */
function scored(flat: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
}

export class RedisOutbox implements OutboxStore {
  constructor(private readonly ctx: RedisContext) {}

  private run<T>(work: (c: Client) => Promise<T>): Promise<T> {
    return this.ctx.conn.run(work);
  }

  async read(filter: EventFilter, afterKey: string | null, limit: number): Promise<EventPage> {
    const feed = this.ctx.keys.feed();
    const filtered = filter.tenantId !== undefined || filter.userId !== undefined || (filter.types !== undefined && filter.types.length > 0);
    const chunk = filtered ? Math.max(limit, FEED_CHUNK) : limit;
    let next = parseSeq(afterKey);
    const items: SessionEvent[] = [];
    for (let examined = 0; items.length < limit && examined < READ_EXAMINES; ) {
      const from = next;
      const page = scored(await this.run((c) => c.zrangebyscore(feed.events, `(${from}`, "+inf", "WITHSCORES", "LIMIT", 0, chunk)));
      for (const [json, seq] of page) {
        next = Number(seq);
        examined += 1;
        const event = JSON.parse(json) as SessionEvent;
        if (matchesEventFilter(event, filter)) items.push(event);
        if (items.length >= limit) break;
      }
      if (page.length < chunk) break;
    }
    return { items, nextKey: String(next) };
  }

  async positionOf(eventId: string): Promise<string | null> {
    return this.run((c) => c.hget(this.ctx.keys.feed().ids, eventId));
  }

  async positionAt(timeMs: number | null): Promise<string> {
    const feed = this.ctx.keys.feed();
    if (timeMs !== null) {
      const [first] = await this.run((c) => c.zrangebyscore(feed.timeMax, timeMs, "+inf", "LIMIT", 0, 1));
      if (first !== undefined) return String(Number(first) - 1);
    }
    return (await this.run((c) => c.get(feed.seq))) ?? "0";
  }

  async relay(): Promise<number> {
    const { keys } = this.ctx;
    const lock = keys.feed().relayLock;
    const token = randomBytes(12).toString("base64url");
    if ((await this.run((c) => c.set(lock, token, "PX", LOCK_MS, "NX"))) !== "OK") return 0;
    try {
      const started = Date.now();
      const [seconds, micros] = await this.run((c) => c.time());
      const cut = Number(seconds) * 1e6 + Number(micros);
      // Read after the cut: every event committed by then had its tag hinted before its script.
      const work = scored(await this.run((c) => c.zrangebyscore(keys.outboxHint(), "(0", "+inf", "WITHSCORES", "LIMIT", 0, TAGS_PER_CALL)));
      let numbered = 0;
      for (let i = 0; i < work.length && Date.now() - started < RELAY_BUDGET_MS; i += TAGS_PER_BATCH) {
        let batch = work.slice(i, i + TAGS_PER_BATCH);
        while (batch.length > 0 && Date.now() - started < RELAY_BUDGET_MS) {
          const round = await this.drain(batch, cut);
          numbered += round.numbered;
          batch = round.backlog;
        }
      }
      await this.recheckDrained();
      return numbered;
    } finally {
      await this.run((c) => c.sessiondUnlock(lock, token)).catch(() => undefined);
    }
  }

  /** Numbers the tags' oldest events committed by `cut`, pops them, marks the emptied tags drained; returns the tags with more by then. */
  private async drain(tags: [string, string][], cut: number): Promise<{ numbered: number; backlog: [string, string][] }> {
    const { keys } = this.ctx;
    const feed = keys.feed();
    const lists = await this.run((c) => Promise.all(tags.map(([tag]) => c.lrange(keys.outbox(tag), 0, TAKE_PER_TAG - 1))));
    const taken = lists.map((list) => committedBy(list, cut));
    // Stable: events of one instant keep their tag's order.
    const all = taken.flat().sort((a, b) => a.at - b.at);
    let numbered = 0;
    for (let i = 0; i < all.length; i += FEED_CHUNK) {
      const args = all.slice(i, i + FEED_CHUNK).flatMap(({ event }) => [event.id, String(event.timestamp), JSON.stringify(event)]);
      numbered += Number(await this.run((c) => c.sessiondFeed(feed.seq, feed.events, feed.ids, feed.times, feed.timeMax, feed.timeMaxLast, ...args)));
    }
    const left = await this.run((c) =>
      Promise.all(
        tags.map(([tag], i) => (taken[i]!.length === 0 ? lists[i]!.length : c.sessiondTrimOutbox(keys.outbox(tag), ...taken[i]!.map((e) => e.event.id)))),
      ),
    );
    const now = Date.now();
    const emptied = tags.filter(([, score], i) => Number(left[i]) === 0 && now - Number(score) >= YOUNG_HINT_MS).flat();
    if (emptied.length > 0) await this.run((c) => c.sessiondMarkDrained(keys.outboxHint(), ...emptied));
    // A full take that left more is a backlog, drained on in this call; anything else left was committed after the cut.
    return { numbered, backlog: tags.filter((_, i) => Number(left[i]) > 0 && taken[i]!.length === TAKE_PER_TAG) };
  }

  /** Drained tags past the grace: re-checked once, then forgotten (or pending again). */
  private async recheckDrained(): Promise<void> {
    const { keys } = this.ctx;
    const now = Date.now();
    const drained = scored(
      await this.run((c) => c.zrangebyscore(keys.outboxHint(), `(${-(now - DRAINED_GRACE_MS)}`, "(0", "WITHSCORES", "LIMIT", 0, DRAINED_PER_CALL)),
    );
    if (drained.length === 0) return;
    const lengths = await this.run((c) => Promise.all(drained.map(([tag]) => c.llen(keys.outbox(tag)))));
    const args = drained.flatMap(([tag, score], i) => [tag, score, String(lengths[i])]);
    await this.run((c) => c.sessiondSettleDrained(keys.outboxHint(), now, ...args));
  }

  async purge(beforeMs: number, limit: number): Promise<number> {
    if (limit <= 0) return 0;
    const feed = this.ctx.keys.feed();
    return Number(await this.run((c) => c.sessiondPurgeFeed(feed.events, feed.ids, feed.times, feed.timeMax, beforeMs, limit)));
  }
}
