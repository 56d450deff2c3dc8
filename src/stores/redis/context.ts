/** What the parts of the Redis store share: the connection, the key layout and who owns which session. */
import type { Connection } from "./connection.js";
import type { RedisKeys } from "./keys.js";

export interface Owner {
  tenantId: string;
  userId: string;
}

const OWNERS_CACHED = 10_000;

/**
 * A session's tenant and user never change, and a script needs them to name the user
 * index, so they are remembered after any read; only a cold id costs an HMGET.
 */
class OwnerCache {
  private readonly owners = new Map<string, Owner>();

  get(id: string): Owner | undefined {
    return this.owners.get(id);
  }

  set(id: string, owner: Owner): void {
    if (this.owners.has(id)) return;
    if (this.owners.size >= OWNERS_CACHED) this.owners.delete(this.owners.keys().next().value!);
    this.owners.set(id, { tenantId: owner.tenantId, userId: owner.userId });
  }
}

export class RedisContext {
  readonly owners = new OwnerCache();

  constructor(
    readonly conn: Connection,
    readonly keys: RedisKeys,
    /** How long after its end (or passed deadline) Redis keeps a session before dropping it by itself. */
    readonly retentionMs: number,
  ) {}

  /** The session's tenant and user, or null when there is no such session. */
  async ownerOf(id: string): Promise<Owner | null> {
    const cached = this.owners.get(id);
    if (cached !== undefined) return cached;
    const [tenantId, userId] = await this.conn.run((c) => c.hmget(this.keys.record(id), "tenant_id", "user_id"));
    if (tenantId == null || userId == null) return null;
    const owner = { tenantId, userId };
    this.owners.set(id, owner);
    return owner;
  }
}
