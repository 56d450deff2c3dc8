/** The root API key at start-up: generated once the server listens, shown once, and advice about stored ones. */
import type { Logger } from "pino";
import type { ApiKeys } from "../core/api-keys.js";
import type { Config } from "../config.js";
import { redactUrl } from "../stores/open.js";

/** Shows a generated root key: straight to stderr and never through the logger, so it cannot end up in log storage. */
export function printRootKey(rootKey: string): void {
  process.stderr.write(`\nsessiond: a root API key was generated. It is shown only this once; store it now:\n\n  ${rootKey}\n\n`);
}

/**
 * What an operator needs to know about root keys at start: how to get a new one when the
 * generated key (shown once, at its first start) is lost, and which stored root keys still
 * work beside a configured one (left over from before SESSIOND_ROOT_KEY was set, or leaked).
 */
export async function logRootKeys(apiKeys: ApiKeys, logger: Logger, config: Config, printed: boolean): Promise<void> {
  const stored = await apiKeys.storedRootKeys();
  const store = `--store '${redactUrl(config.store)}'`;
  if (apiKeys.hasConfiguredRootKey) {
    if (stored.length > 0)
      logger.warn(
        { storedRootKeys: stored.map((k) => k.id) },
        `stored root keys still work beside the configured SESSIOND_ROOT_KEY; if it replaces them, revoke each: DELETE /v1/keys/{id} or sessiond keys revoke <id> ${store}`,
      );
  } else if (!printed) {
    logger.info(
      { storedRootKeys: stored.map((k) => k.id) },
      `root API key: printed once, when it was generated; if it is lost, create a new one with sessiond keys create --root ${store} and revoke the old one with sessiond keys revoke <id>`,
    );
  }
}
