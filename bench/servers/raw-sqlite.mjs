/** Raw HTTP limit on SQLite: one prepared primary-key read of sessiond's own table (BENCH_SQLITE = the file). */
import Database from "better-sqlite3";
import { replyOf, serveVerify } from "./raw-http.mjs";

const db = new Database(process.env.BENCH_SQLITE, { readonly: true });
const byId = db.prepare("SELECT * FROM sessions WHERE id = ?");

serveVerify((id) => {
  const row = byId.get(id);
  return row === undefined ? null : { hash: row.secret_hash, reply: replyOf(row) };
});
