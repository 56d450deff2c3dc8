/** `sessiond keys create|list|revoke`: tenant API keys for the REST API. */
import type { Command } from "commander";
import { wireApiKey } from "../../http/wire.js";
import { action, isoTime, print, table, withConfigFlags, withRuntime } from "../options.js";

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("create, list and revoke tenant API keys");

  withConfigFlags(
    keys.command("create").description("create an API key for one tenant (the key is shown only this once)").requiredOption("--tenant <id>", "the tenant the key acts for").option("--name <name>", "a label to recognise the key by"),
  ).action(
    action(async (options: { tenant: string; name?: string }, command: Command) => {
      const created = await withRuntime(command, (runtime) => runtime.apiKeys.create(options.tenant, options.name ?? null));
      print(command, { ...wireApiKey(created), key: created.key }, () =>
        `created API key ${created.id} for tenant ${created.tenantId}. It is shown only this once; store it now:\n\n  ${created.key}\n`,
      );
    }),
  );

  withConfigFlags(keys.command("list").description("list API keys, root keys included").option("--tenant <id>", "only this tenant's keys")).action(
    action(async (options: { tenant?: string }, command: Command) => {
      const list = await withRuntime(command, (runtime) => runtime.apiKeys.list(options.tenant));
      print(command, { data: list.map(wireApiKey) }, () =>
        list.length === 0
          ? "no API keys"
          : table(
              ["ID", "TENANT", "NAME", "CREATED", "REVOKED"],
              list.map((k) => [k.id, k.tenantId ?? "(root)", k.name ?? "-", isoTime(k.createdAt), isoTime(k.revokedAt)]),
            ),
      );
    }),
  );

  withConfigFlags(keys.command("revoke").description("revoke an API key; it stops working within a second").argument("<key_id>", "the key's id (sdk_…)")).action(
    action(async (id: string, _options: unknown, command: Command) => {
      const revoked = await withRuntime(command, (runtime) => runtime.apiKeys.revoke(id));
      print(command, wireApiKey(revoked), () => `revoked API key ${revoked.id} at ${isoTime(revoked.revokedAt)}`);
    }),
  );
}
