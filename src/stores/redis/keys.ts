/**
 * Every Redis key sessiond uses, built here and nowhere else.
 *
 * Atomicity on a cluster. Everything about one user lives under one hash tag,
 * `{<routing tag>}`: the 4-character tag that `routingTag(tenant, user)` derives and
 * that every session id of that user ends with. So the session record (HASH), its
 * activity history (LIST) and the user's index of session ids (ZSET) all hash to one
 * slot, and one Lua script can read and write all of them atomically: the per-user
 * limit, replacement, conditional updates, activity writes and "end all of a user's
 * sessions" are each ONE script on ONE node. verify only has the token, but the id in
 * it carries the tag, so the id alone locates the slot. Scripts reach sibling records
 * of the same user through {@link UserKeys.recordPrefix} / {@link UserKeys.activityPrefix},
 * which stay inside the tag, so they never leave the slot either.
 *
 * Cross-user indexes (per tenant, all tenants, sweeper deadlines, ended sessions) live
 * in other slots and are written right after the per-user script, not atomically with
 * it. They are hints: readers load the records they point to, drop ids whose record is
 * gone or no longer matches, and remove dead entries lazily (list reads, the sweeper).
 * A new session is added to them *before* its record is written, so a crash can leave a
 * dangling hint (repaired on read) but never an unlisted session; dangling hints are
 * only removed once older than {@link HINT_GRACE_MS}, so a reader racing an insert does
 * not drop the hint of a record about to appear.
 *
 * Events (SPEC §9). A write's events go, inside its script, onto the tag's outbox LIST
 * ({@link RedisKeys.outbox}), so no change lands without its event on a cluster either. The
 * relay moves them into one feed under the `{ev}` tag, numbering them there (outbox.ts); the
 * hint {@link RedisKeys.outboxHint} names the tags with pending events and, like the other
 * hints, is written before the script.
 *
 * Lifetimes. Records and activity lists expire by themselves (PEXPIREAT) at their end
 * (terminal) or earliest deadline (live) plus the retention; the user index expires with
 * its latest member and its scores are the members' expiry instants. Auxiliary data
 * (policies, API keys, signing keys, JWT templates) shares the `{aux}` tag so its
 * multi-key writes also stay in one slot.
 */
import { SessiondError } from "../../core/errors.js";
import { routingTag, routingTagOfSessionId } from "../../core/session-token.js";

/** How long a hint may point to a record that does not exist yet before readers remove it. */
export const HINT_GRACE_MS = 5 * 60_000;

/** Escapes free text (tenant and user ids, template names) so `:` and `{}` inside it can neither collide nor move the hash tag. */
function part(text: string): string {
  return text.replace(/[%:{}]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The keys one per-user script touches, all in the slot of `{tag}`. */
export interface UserKeys {
  record: string;
  activities: string;
  userIndex: string;
  /** `recordPrefix + id` is the record key of another session of the same user. */
  recordPrefix: string;
  activityPrefix: string;
  outbox: string;
}

/**
 * The feed: `seq` counts the numbered events; `events` ZSET JSON scored by seq; `ids` HASH
 * event id → seq (the relay's de-duplication and positionOf); `times` ZSET `seq id` scored by
 * the event's timestamp (purge); `timeMax` ZSET seq scored by the running maximum timestamp
 * up to it (positionAt), with that maximum in `timeMaxLast`.
 */
export interface FeedKeys {
  seq: string;
  events: string;
  ids: string;
  times: string;
  timeMax: string;
  timeMaxLast: string;
  relayLock: string;
}

/** `due` ZSET event id by due time, `payloads` HASH event id → delivery JSON; `log` HASH attempt id → JSON, `logIds` ZSET (lex, newest last), `logTimes` ZSET by `at`. */
export interface WebhookKeys {
  due: string;
  payloads: string;
  log: string;
  logIds: string;
  logTimes: string;
}

export class RedisKeys {
  constructor(readonly prefix: string) {
    if (/[{}]/.test(prefix)) throw new SessiondError("request_invalid", "a Redis key prefix must not contain { or }: it would move the hash tag");
  }

  private tagged(tag: string): string {
    return `${this.prefix}{${tag}}:`;
  }

  recordPrefix(tag: string): string {
    return `${this.tagged(tag)}s:`;
  }

  activityPrefix(tag: string): string {
    return `${this.tagged(tag)}a:`;
  }

  /** The session HASH. */
  record(id: string): string {
    return this.recordPrefix(routingTagOfSessionId(id)) + id;
  }

  /** The session's activity LIST, newest first. */
  activities(id: string): string {
    return this.activityPrefix(routingTagOfSessionId(id)) + id;
  }

  /** The ZSET of one user's session ids (score: when the member's record expires). */
  userIndex(tenantId: string, userId: string): string {
    return `${this.tagged(routingTag(tenantId, userId))}u:${part(tenantId)}:${part(userId)}`;
  }

  /** The LIST of events written in the tag's slot and not yet relayed into the feed, oldest first. */
  outbox(tag: string): string {
    return `${this.tagged(tag)}ob`;
  }

  /** ZSET of tags whose outbox may hold events: score > 0 pending since (ms), < 0 found empty after that write. */
  outboxHint(): string {
    return `${this.prefix}idx:outbox`;
  }

  /** The keys of the numbered feed, all under `{ev}` so one relay script writes them together. */
  feed(): FeedKeys {
    const ev = `${this.prefix}{ev}:`;
    return {
      seq: `${ev}seq`,
      events: `${ev}events`,
      ids: `${ev}ids`,
      times: `${ev}times`,
      timeMax: `${ev}time_max`,
      timeMaxLast: `${ev}time_max_last`,
      relayLock: `${ev}relay_lock`,
    };
  }

  /** HASH endpoint id → `version:JSON`. */
  webhooks(): string {
    return `${this.prefix}{aux}:webhooks`;
  }

  /** One endpoint's retry queue, attempt log and their indexes, all under `{aux}` with the endpoint. */
  webhook(endpointId: string): WebhookKeys {
    const at = `${this.prefix}{aux}:webhook:${part(endpointId)}:`;
    return { due: `${at}due`, payloads: `${at}payloads`, log: `${at}log`, logIds: `${at}log_ids`, logTimes: `${at}log_times` };
  }

  /** Every key a script about session `id` of (tenant, user) may touch. */
  forSession(id: string, tenantId: string, userId: string): UserKeys {
    const tag = routingTagOfSessionId(id);
    return {
      record: this.record(id),
      activities: this.activities(id),
      userIndex: this.userIndex(tenantId, userId),
      recordPrefix: this.recordPrefix(tag),
      activityPrefix: this.activityPrefix(tag),
      outbox: this.outbox(tag),
    };
  }

  /** ZSET of a tenant's session ids, all scored 0 so they sort by id (= creation time). */
  tenantIndex(tenantId: string): string {
    return `${this.prefix}idx:tenant:${part(tenantId)}`;
  }

  /** ZSET of every session id, scored 0. */
  allIndex(): string {
    return `${this.prefix}idx:all`;
  }

  /** ZSET of live sessions scored by their earliest deadline; members from {@link member}. */
  deadlines(): string {
    return `${this.prefix}idx:deadlines`;
  }

  /** ZSET of terminal sessions scored by `ended_at`; members from {@link member}. */
  ended(): string {
    return `${this.prefix}idx:ended`;
  }

  policies(): string {
    return `${this.prefix}{aux}:policies`;
  }

  /** HASH id → API key JSON; revocations live apart so revoking is one HSETNX. */
  apiKeys(): string {
    return `${this.prefix}{aux}:api_keys`;
  }

  apiKeyRevocations(): string {
    return `${this.prefix}{aux}:api_key_revocations`;
  }

  /** HASH kid → signing key JSON; retirements live apart so retiring is one HSETNX. */
  signingKeys(): string {
    return `${this.prefix}{aux}:signing_keys`;
  }

  signingKeyRetirements(): string {
    return `${this.prefix}{aux}:signing_key_retirements`;
  }

  /** HASH name → template JSON, one per tenant. */
  templates(tenantId: string): string {
    return `${this.prefix}{aux}:templates:${part(tenantId)}`;
  }

  /** A rate-limit counter of one window; expires by itself. */
  rateCounter(key: string, windowStart: number): string {
    return `${this.prefix}rate:${windowStart}:${key}`;
  }

  schemaVersion(): string {
    return `${this.prefix}{aux}:schema_version`;
  }
}

/**
 * A member of the deadline and ended indexes: the id plus its tenant, so the sweeper can
 * clear the tenant index even when the record has already expired away.
 */
export function member(id: string, tenantId: string): string {
  return `${id}:${tenantId}`;
}

/** Splits a {@link member}; tenant ids never contain `:`. */
export function parseMember(value: string): { id: string; tenantId: string } {
  const colon = value.indexOf(":");
  return { id: value.slice(0, colon), tenantId: value.slice(colon + 1) };
}
