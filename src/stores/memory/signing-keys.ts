/** The memory store's JWT signing keys. */
import { SessiondError } from "../../core/errors.js";
import type { SigningKeyRecord, SigningKeyStore } from "../../core/store/index.js";

export class MemorySigningKeys implements SigningKeyStore {
  private readonly keys = new Map<string, SigningKeyRecord>();

  async insert(key: SigningKeyRecord): Promise<void> {
    if (this.keys.has(key.kid)) throw new SessiondError("conflict", "signing key id already exists");
    this.keys.set(key.kid, structuredClone(key));
  }

  async list(): Promise<SigningKeyRecord[]> {
    return [...this.keys.values()].sort((a, b) => a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : 1)).map((k) => structuredClone(k));
  }

  async retire(kid: string, retireAt: number): Promise<void> {
    const k = this.keys.get(kid);
    if (k !== undefined && k.retireAt === null) k.retireAt = retireAt;
  }

  async delete(kid: string): Promise<void> {
    this.keys.delete(kid);
  }
}
