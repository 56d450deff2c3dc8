/**
 * Store drivers load on a store's first use, not when a module is imported: `import
 * "sessiond"` loads no native module or client library (SPEC §8), and a deployment loads only
 * the driver of the store it opens. Synchronous, so a synchronous factory (`sqliteStore`) can
 * use it. Everything else under src/stores imports a driver's types only.
 */
import { createRequire } from "node:module";

const load = createRequire(import.meta.url);

/** The driver module, required on the first call and the same object afterwards. */
export function lazyDriver<T>(name: "better-sqlite3" | "pg" | "ioredis"): () => T {
  let driver: T | undefined;
  return () => (driver ??= load(name) as T);
}
