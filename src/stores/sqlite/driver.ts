/** better-sqlite3, loaded when the first SQLite store opens, and its errors as the contract's codes. */
import type BetterSqlite3 from "better-sqlite3";
import { SessiondError } from "../../core/errors.js";
import { lazyDriver } from "../lazy-driver.js";

export const sqliteDriver: () => typeof BetterSqlite3 = lazyDriver("better-sqlite3");

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|READONLY|FULL|NOMEM|CORRUPT|NOTADB)/;

/** Driver and file errors become stable codes; anything else is a bug and stays as it is. */
export function translate(error: unknown): unknown {
  if (error instanceof sqliteDriver().SqliteError) {
    if (UNAVAILABLE.test(error.code)) return new SessiondError("store_unavailable", "the SQLite database is not available", { cause: error });
    // Only duplicate keys are a caller's race; any other constraint failure is a bug and must surface as one.
    if (error.code === "SQLITE_CONSTRAINT_PRIMARYKEY" || error.code === "SQLITE_CONSTRAINT_UNIQUE")
      return new SessiondError("conflict", "a record with this id already exists", { cause: error });
  }
  if (error instanceof Error && "code" in error && typeof error.code === "string" && /^E(ACCES|EXIST|NOTDIR|ROFS|NOSPC|PERM)$/.test(error.code))
    return new SessiondError("store_unavailable", "the SQLite database file cannot be created", { cause: error });
  return error;
}
