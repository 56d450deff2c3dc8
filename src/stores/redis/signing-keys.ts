/**
 * The Redis store's JWT signing keys: a HASH of JSON under the `{aux}` tag. The retirement,
 * set once after creation, lives in its own HASH and is written with HSETNX.
 */
import { SessiondError } from "../../core/errors.js";
import type { SigningKeyRecord, SigningKeyStore } from "../../core/store/index.js";
import type { RedisContext } from "./context.js";

function decode(json: string, retireAt: string | null): SigningKeyRecord {
  const stored = JSON.parse(json) as SigningKeyRecord;
  return { ...stored, retireAt: retireAt === null ? stored.retireAt : Number(retireAt) };
}

export class RedisSigningKeys implements SigningKeyStore {
  constructor(private readonly ctx: RedisContext) {}

  private get keys() {
    return this.ctx.keys;
  }

  async insert(key: SigningKeyRecord): Promise<void> {
    const added = await this.ctx.conn.run((c) => c.hsetnx(this.keys.signingKeys(), key.kid, JSON.stringify(key)));
    if (added === 0) throw new SessiondError("conflict", "signing key id already exists");
  }

  async list(): Promise<SigningKeyRecord[]> {
    const [all, retired] = await this.ctx.conn.run((c) => Promise.all([c.hgetall(this.keys.signingKeys()), c.hgetall(this.keys.signingKeyRetirements())]));
    return Object.entries(all)
      .map(([kid, json]) => decode(json, Object.hasOwn(retired, kid) ? retired[kid]! : null))
      .sort((a, b) => a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : 1));
  }

  async retire(kid: string, retireAt: number): Promise<void> {
    const json = await this.ctx.conn.run((c) => c.hget(this.keys.signingKeys(), kid));
    if (json === null || decode(json, null).retireAt !== null) return;
    await this.ctx.conn.run((c) => c.hsetnx(this.keys.signingKeyRetirements(), kid, String(retireAt)));
  }

  async delete(kid: string): Promise<void> {
    // Both HASHes share the {aux} slot, so one MULTI removes the key and its retirement together.
    await this.ctx.conn.run((c) => c.multi().hdel(this.keys.signingKeys(), kid).hdel(this.keys.signingKeyRetirements(), kid).exec());
  }
}
