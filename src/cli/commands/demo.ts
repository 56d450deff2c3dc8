/** `sessiond demo`: walks one session through its life on the configured store (SQLite under ./data by default). */
import type { Command } from "commander";
import { action, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { print } from "../output.js";

export function registerDemo(program: Command): void {
  withConfigFlags(program.command("demo").description("create, verify, refresh and revoke a demo session on the configured store")).action(
    action(async (_options: unknown, command: Command) => {
      const steps = await withRuntime(command, async ({ sessions }) => {
        const ua = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0";
        const { session, token } = await sessions.create({ userId: "demo_user", ip: "203.0.113.7", userAgent: ua });
        const verified = await sessions.verify(token, { ip: "203.0.113.7", userAgent: ua });
        const refreshed = await sessions.refresh(token);
        await sessions.revoke(session.id, { reason: "demo_finished" });
        const after = await sessions.verify(refreshed.token);
        return { session_id: session.id, verified: verified.valid, refreshed: refreshed.token !== token, after_revoke: after.valid ? "valid" : after.code };
      });
      print(command, steps, () =>
        [
          `created   ${steps.session_id} for demo_user`,
          `verified  valid=${steps.verified}`,
          `refreshed a new token was issued`,
          `revoked   verify now answers ${steps.after_revoke}`,
        ].join("\n"),
      );
    }),
  );
}
