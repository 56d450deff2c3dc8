/** `sessiond demo`: walks the library through a session's life on the embedded SQLite store. */
import type { Command } from "commander";
import { createSessions } from "../../core/service.js";
import { sqliteStore } from "../../stores/sqlite/index.js";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("create, verify, refresh and revoke a session on the embedded SQLite store")
    .option("--db <path>", "SQLite file", "./data/sessiond.db")
    .action(async (options: { db: string }) => {
      const sessions = createSessions({ store: sqliteStore({ path: options.db }) });
      try {
        const ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
        const { session, token } = await sessions.create({ userId: "demo_user", ip: "203.0.113.7", userAgent: ua });
        console.log(`created   ${session.id} for ${session.userId}, expires ${new Date(session.expireAt).toISOString()}`);
        const verified = await sessions.verify(token, { ip: "203.0.113.7", userAgent: ua });
        console.log(`verified  valid=${verified.valid}`);
        const refreshed = await sessions.refresh(token);
        console.log(`refreshed new token issued, last_refreshed_at ${new Date(refreshed.session.lastRefreshedAt!).toISOString()}`);
        await sessions.revoke(session.id, { reason: "demo_finished" });
        const after = await sessions.verify(refreshed.token);
        console.log(`revoked   verify now answers ${after.valid ? "valid" : after.code}`);
        const { totalCount } = await sessions.list({ userId: "demo_user" });
        console.log(`${totalCount} demo session(s) stored in ${options.db}`);
      } finally {
        await sessions.close();
      }
    });
}
