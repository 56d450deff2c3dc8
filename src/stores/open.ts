/** Store URL → store. Drivers load lazily, so a deployment only loads the one it uses. */
import { SessiondError } from "../core/errors.js";
import type { SessionStore } from "../core/store.js";

/** Opens the store named by a URL: `sqlite:<path>`, `memory:`. With `migrate: false` the schema is left for `store.migrate()`. */
export async function openStore(url: string, options: { migrate?: boolean } = {}): Promise<SessionStore> {
  if (url === "memory:" || url === "memory://") {
    const { memoryStore } = await import("./memory.js");
    return memoryStore();
  }
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "");
    if (path.length === 0) throw new SessiondError("request_invalid", "sqlite: needs a path, e.g. sqlite:./data/sessiond.db");
    const { sqliteStore } = await import("./sqlite/index.js");
    return sqliteStore({ path, ...options });
  }
  throw new SessiondError("request_invalid", `unsupported store URL ${JSON.stringify(url.replace(/\/\/[^@/]*@/, "//***@"))}: use sqlite:<path> or memory:`);
}
