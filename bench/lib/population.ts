/**
 * Deterministic bench sessions: record `i` and its token can be rebuilt at any time, so a
 * population of 10 million is seeded without keeping anything, and any of its tokens can
 * be sampled later. Records are shaped by a real `create()` (the template), so every field
 * is what sessiond itself writes; only ids, users, secrets and timestamps vary.
 */
import { createHash } from "node:crypto";
import { createSessions, memoryStore, type SessionStore } from "./sessiond.js";

export type SessionRecord = Parameters<SessionStore["insert"]>[0];

/** What every bench client presents, so a verify after the warm-up never records activity. */
export const BENCH_IP = "127.0.0.1";
export const BENCH_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
export const TENANT = "default";

const BASE32 = "0123456789abcdefghjkmnpqrstvwxyz";
const DAY_MS = 86_400_000;

function base32(value: number, chars: number): string {
  let out = "";
  for (let i = 0; i < chars; i++) {
    out = BASE32[value % 32]! + out;
    value = Math.floor(value / 32);
  }
  return out;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

/**
 * sessiond's routing tag of a user (the last 4 characters of each of its session ids). The bench
 * may only use the public entry, so it is derived again here; `Population.create` checks it
 * against an id made by sessiond, so a change there stops the bench instead of seeding bad ids.
 */
function routingTag(tenantId: string, userId: string): string {
  const digest = createHash("sha256").update(tenantId).update("\0").update(userId).digest();
  return base32(digest.readUIntBE(0, 3) >> 4, 4);
}

export interface PopulationOptions {
  /** Sessions per user (consecutive indexes share a user). */
  perUser: number;
  /** Distinguishes populations seeded into one store (ids, users and secrets differ). */
  family: number;
  /** Every session's deadline passed 33 days ago (for the sweeper), instead of live for 7 days. */
  expired?: boolean;
  /** When the population was made (default now); another process rebuilds the same sessions from it. */
  at?: number;
}

export class Population {
  private tagCache = { user: -1, tag: "" };

  private readonly createdAt: number;

  private constructor(
    private readonly template: SessionRecord,
    readonly options: PopulationOptions & { at: number },
  ) {
    this.createdAt = options.expired === true ? options.at - 40 * DAY_MS : options.at;
  }

  static async create(options: PopulationOptions): Promise<Population> {
    const store = memoryStore();
    const { session } = await createSessions({ store }).create({ userId: "user_0", ip: BENCH_IP, userAgent: BENCH_UA });
    const template = await store.sessions.get(session.id);
    if (template === null || !session.id.endsWith(routingTag(TENANT, "user_0")))
      throw new Error("bench/lib/population.ts: sessiond's session ids changed shape; update routingTag()");
    return new Population(template, { ...options, at: options.at ?? template.createdAt });
  }

  userOf(i: number): string {
    return `${this.options.expired === true ? "gone" : "user"}${this.options.family}_${Math.floor(i / this.options.perUser)}`;
  }

  private tag(i: number): string {
    const user = Math.floor(i / this.options.perUser);
    if (this.tagCache.user !== user) this.tagCache = { user, tag: routingTag(TENANT, this.userOf(i)) };
    return this.tagCache.tag;
  }

  private suffix(i: number): string {
    return `${base32(this.createdAt, 10)}${base32(this.options.family, 1)}${base32(i, 15)}`;
  }

  id(i: number): string {
    return `sess_${this.suffix(i)}${this.tag(i)}`;
  }

  private secret(i: number): string {
    return sha256(`${this.options.family}:${i}`).toString("base64url");
  }

  token(i: number): string {
    return `${this.id(i)}.${this.secret(i)}`;
  }

  /** `count` tokens spread evenly over the first `size` sessions. */
  tokens(count: number, size: number): string[] {
    const step = size / Math.min(count, size);
    return Array.from({ length: Math.min(count, size) }, (_, k) => this.token(Math.floor(k * step)));
  }

  /** `count` distinct users spread over the first `size` sessions. */
  users(count: number, size: number): string[] {
    const step = size / this.options.perUser / count;
    return Array.from({ length: count }, (_, k) => this.userOf(Math.floor(k * step) * this.options.perUser));
  }

  record(i: number): SessionRecord {
    const t = this.template;
    const id = this.id(i);
    const at = this.createdAt;
    const expireAt = this.options.expired === true ? at + 7 * DAY_MS : at + (t.expireAt - t.createdAt);
    return {
      ...t,
      id,
      userId: this.userOf(i),
      clientId: `client_${this.suffix(i)}`,
      secretHash: sha256(this.secret(i)),
      latestActivity: t.latestActivity === null ? null : { ...t.latestActivity, id: `sact_${this.suffix(i)}`, sessionId: id, at },
      createdAt: at,
      updatedAt: at,
      lastActiveAt: at,
      startedAt: at,
      expireAt,
    };
  }
}
