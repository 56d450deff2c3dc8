/**
 * Files private to the user sessiond runs as: the SQLite data directory and database
 * (sessions, API-key digests, sealed signing keys) and the generated key-encryption key
 * beside them. Modes are set explicitly (mkdir and open apply the umask, which may be
 * looser or stricter than intended). A neutral module: the SQLite store and the JWT key
 * source both use it, and neither may import the other.
 */
import { chmodSync, closeSync, fchmodSync, mkdirSync, openSync } from "node:fs";
import { dirname, resolve } from "node:path";

export const PRIVATE_DIRECTORY_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` and its missing parents with mode 0700; a directory that already exists (the operator's) is left as it is. */
export function createPrivateDirectory(dir: string): void {
  const target = resolve(dir);
  const first = mkdirSync(target, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
  if (first === undefined) return;
  for (let d = target; ; d = dirname(d)) {
    chmodSync(d, PRIVATE_DIRECTORY_MODE);
    if (d === resolve(first) || d === dirname(d)) break;
  }
}

/**
 * Creates an empty file with mode 0600 unless one exists (left as it is). SQLite gives the
 * `-wal` and `-shm` files it creates the database file's mode, so they are private too.
 */
export function createPrivateFile(path: string): void {
  let fd: number;
  try {
    fd = openSync(path, "wx", PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
    throw error;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}
