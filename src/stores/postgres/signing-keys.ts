/** The PostgreSQL store's JWT signing keys. */
import type { SigningKeyRecord, SigningKeyStore } from "../../core/store/index.js";
import { signingKeyFromRow } from "../sql/rows.js";
import type { Query } from "./connection.js";

export class PostgresSigningKeys implements SigningKeyStore {
  constructor(private readonly query: Query) {}

  async insert(k: SigningKeyRecord): Promise<void> {
    await this.query(
      "INSERT INTO signing_keys (kid, algorithm, public_jwk, encrypted_private_key, created_at, retire_at) VALUES (@kid, @algorithm, @publicJwk, @encryptedPrivateKey, @createdAt, @retireAt)",
      { ...k, publicJwk: JSON.stringify(k.publicJwk) },
    );
  }

  async list(): Promise<SigningKeyRecord[]> {
    return (await this.query("SELECT * FROM signing_keys ORDER BY created_at, kid", {})).map(signingKeyFromRow);
  }

  async retire(kid: string, retireAt: number): Promise<void> {
    await this.query("UPDATE signing_keys SET retire_at = @retireAt WHERE kid = @kid AND retire_at IS NULL", { kid, retireAt });
  }

  async delete(kid: string): Promise<void> {
    await this.query("DELETE FROM signing_keys WHERE kid = @kid", { kid });
  }
}
