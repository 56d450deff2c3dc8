/** The SQLite store's JWT signing keys. */
import type { SigningKeyRecord, SigningKeyStore } from "../../core/store/index.js";
import { type Row, signingKeyFromRow } from "../sql/rows.js";
import type { SqliteConnection } from "./connection.js";

export class SqliteSigningKeys implements SigningKeyStore {
  private readonly q;

  constructor(private readonly conn: SqliteConnection) {
    this.q = conn.prepared((db) => ({
      insert: db.prepare("INSERT INTO signing_keys (kid, algorithm, public_jwk, encrypted_private_key, created_at, retire_at) VALUES (?, ?, ?, ?, ?, ?)"),
      all: db.prepare<[], Row>("SELECT * FROM signing_keys ORDER BY created_at, kid"),
      retire: db.prepare("UPDATE signing_keys SET retire_at = ? WHERE kid = ? AND retire_at IS NULL"),
      delete: db.prepare("DELETE FROM signing_keys WHERE kid = ?"),
    }));
  }

  insert(k: SigningKeyRecord): Promise<void> {
    return this.conn.run(() => void this.q().insert.run(k.kid, k.algorithm, JSON.stringify(k.publicJwk), k.encryptedPrivateKey, k.createdAt, k.retireAt));
  }

  list(): Promise<SigningKeyRecord[]> {
    return this.conn.run(() => this.q().all.all().map(signingKeyFromRow));
  }

  retire(kid: string, retireAt: number): Promise<void> {
    return this.conn.run(() => void this.q().retire.run(retireAt, kid));
  }

  delete(kid: string): Promise<void> {
    return this.conn.run(() => void this.q().delete.run(kid));
  }
}
