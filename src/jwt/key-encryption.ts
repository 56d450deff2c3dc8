/**
 * Which secret seals the JWT signing keys (SPEC §6): the configured
 * `SESSIOND_KEY_ENCRYPTION_KEY`; for the SQLite default without one, a key generated
 * once into the data directory (mode 0600); for `memory:`, a key that lives as long as
 * the process (so do its keys); for shared stores, none — they refuse to mint.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { PRIVATE_FILE_MODE, createPrivateDirectory } from "../files/private-files.js";

export const KEY_FILE_NAME = "key-encryption.key";

export interface KeySource {
  key: string | null;
  /** Where it came from, for the start-up log (never the key). */
  origin: "config" | "generated-file" | "key-file" | "process" | "none";
  path?: string;
}

export function resolveKeyEncryptionKey(storeUrl: string, configured: string | undefined): KeySource {
  if (configured !== undefined) return { key: configured, origin: "config" };
  if (storeUrl === "memory:" || storeUrl === "memory://") return { key: randomBytes(32).toString("base64url"), origin: "process" };
  if (storeUrl.startsWith("sqlite:")) return sqliteKeyFile(storeUrl.slice("sqlite:".length).replace(/^\/\/(?=\/)/, ""));
  return { key: null, origin: "none" };
}

function sqliteKeyFile(databasePath: string): KeySource {
  const path = join(dirname(resolve(databasePath)), KEY_FILE_NAME);
  // The SQLite data directory: the store creates it the same way when it opens first.
  createPrivateDirectory(dirname(path));
  try {
    // `wx`: of several processes starting at once on one database, exactly one creates the key.
    writeFileSync(path, `${randomBytes(32).toString("base64url")}\n`, { flag: "wx", mode: PRIVATE_FILE_MODE });
    chmodSync(path, PRIVATE_FILE_MODE); // the umask may have changed the mode writeFileSync asked for
    return { key: readKey(path), origin: "generated-file", path };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // A key file others can read defeats the sealing; tighten it rather than refuse to start.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, PRIVATE_FILE_MODE);
  return { key: readKey(path), origin: "key-file", path };
}

function readKey(path: string): string {
  const key = readFileSync(path, "utf8").trim();
  if (key.length < 32) throw new Error(`${path} does not hold a key-encryption key (expected at least 32 characters)`);
  return key;
}
