/** `sessiond keys create|list|revoke`: API keys; `keys signing|rotate-signing`: the JWT signing keys. */
import type { Command } from "commander";
import { SessiondError } from "../../core/errors.js";
import { wireApiKey } from "../../http/wire.js";
import { action, withRuntime } from "../command.js";
import { withConfigFlags } from "../config-flags.js";
import { isoTime, print, table } from "../output.js";

export function registerKeys(program: Command): void {
  const keys = program.command("keys").description("API keys (create, list, revoke) and JWT signing keys (signing, rotate-signing)");

  withConfigFlags(
    keys
      .command("create")
      .description("create an API key for one tenant, or a root key (the key is shown only this once)")
      .option("--tenant <id>", "the tenant the key acts for")
      .option("--root", "a root key, valid for every tenant (e.g. to replace a lost or leaked one)")
      .option("--name <name>", "a label to recognise the key by"),
  ).action(
    action(async (options: { tenant?: string; root?: boolean; name?: string }, command: Command) => {
      if ((options.tenant === undefined) === (options.root !== true)) throw new SessiondError("request_invalid", "give exactly one of --tenant <id> or --root");
      const created = await withRuntime(command, (runtime) => runtime.apiKeys.create(options.root === true ? null : options.tenant!, options.name ?? null));
      print(
        command,
        { ...wireApiKey(created), key: created.key },
        () =>
          `created ${created.tenantId === null ? "root API key" : `API key for tenant ${created.tenantId}`} ${created.id}. It is shown only this once; store it now:\n\n  ${created.key}\n`,
      );
    }),
  );

  withConfigFlags(keys.command("list").description("list API keys, root keys included").option("--tenant <id>", "only this tenant's keys")).action(
    action(async (options: { tenant?: string }, command: Command) => {
      const list = await withRuntime(command, (runtime) => runtime.apiKeys.list(options.tenant), { mustExist: true });
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

  withConfigFlags(
    keys.command("revoke").description("revoke an API key; it stops working within a second").argument("<key_id>", "the key's id (sdk_…)"),
  ).action(
    action(async (id: string, _options: unknown, command: Command) => {
      const revoked = await withRuntime(command, (runtime) => runtime.apiKeys.revoke(id), { mustExist: true });
      print(command, wireApiKey(revoked), () => `revoked API key ${revoked.id} at ${isoTime(revoked.revokedAt)}`);
    }),
  );

  withConfigFlags(
    keys
      .command("rotate-signing")
      .description("add a new JWT signing key; old keys sign until it is published and stay in the JWKS until their tokens expire")
      .option("--immediately", "for a leaked key: sign with the new key now and drop the old ones from the JWKS now (their tokens stop verifying)"),
    ["keyEncryptionKeyFile", "keyEncryptionKey"],
  ).action(
    action(async (options: { immediately?: boolean }, command: Command) => {
      const rotation = await withRuntime(command, async (runtime) => {
        await runtime.signingKeys.prune();
        return runtime.signingKeys.rotate({ immediately: options.immediately === true });
      });
      print(command, { kid: rotation.kid, signs_from: rotation.signsFrom, retired: rotation.retired.map((r) => ({ kid: r.kid, retire_at: r.retireAt })) }, () =>
        [
          `new signing key ${rotation.kid}; it signs from ${isoTime(rotation.signsFrom)}`,
          ...rotation.retired.map((r) => `retired ${r.kid}: in the JWKS until ${isoTime(r.retireAt)}`),
        ].join("\n"),
      );
    }),
  );

  withConfigFlags(keys.command("signing").description("list the JWT signing keys (public parts only)")).action(
    action(async (_options: unknown, command: Command) => {
      const list = await withRuntime(command, (runtime) => runtime.signingKeys.list(), { mustExist: true });
      const now = Date.now();
      const state = (retireAt: number | null) => (retireAt === null ? "current" : retireAt > now ? "retiring" : "retired");
      print(
        command,
        { data: list.map((k) => ({ kid: k.kid, algorithm: k.algorithm, created_at: k.createdAt, retire_at: k.retireAt, state: state(k.retireAt) })) },
        () =>
          list.length === 0
            ? "no signing keys yet (the first is made when the first JWT is minted)"
            : table(
                ["KID", "ALG", "CREATED", "LEAVES JWKS", "STATE"],
                list.map((k) => [k.kid, k.algorithm, isoTime(k.createdAt), isoTime(k.retireAt), state(k.retireAt)]),
              ),
      );
    }),
  );
}
