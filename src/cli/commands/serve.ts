/** `sessiond serve`: the REST server. */
import type { Command } from "commander";
import type { Logger } from "pino";
import { type Config, ConfigError, publicUrl } from "../../config.js";
import { redactUrl } from "../../stores/open.js";
import { buildApp } from "../../http/app.js";
import { type Runtime, createLogger, openRuntime } from "../runtime.js";
import { action, configFrom, secretFlagWarningsOf, withConfigFlags } from "../options.js";

/**
 * The in-server sweeper shares the event loop with verify; on SQLite a batch runs on it. Batches
 * of about this long, each followed by an equal rest, keep a verify that arrives mid-sweep from
 * waiting much longer than usual.
 */
const SWEEP_BATCH_BUDGET_MS = 1;

/**
 * What an operator needs to know about root keys at start: how to get a new one when the
 * generated key (shown once, at its first start) is lost, and which stored root keys still
 * work beside a configured one (left over from before SESSIOND_ROOT_KEY was set, or leaked).
 */
async function logRootKeys(runtime: Runtime, logger: Logger, config: Config, printed: boolean): Promise<void> {
  const stored = await runtime.apiKeys.storedRootKeys();
  const store = `--store '${redactUrl(config.store)}'`;
  if (runtime.apiKeys.hasConfiguredRootKey) {
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

export function registerServe(program: Command): void {
  withConfigFlags(program.command("serve").description("run the REST API (zero config: SQLite under ./data, a root key printed on first start)")).action(
    action(async (_options: unknown, command: Command) => {
      const config = configFrom(command);
      const logger = createLogger(config);
      for (const warning of secretFlagWarningsOf(command)) logger.warn(warning);
      const runtime = await openRuntime(config);
      try {
        runtime.enricher.geo?.load(); // ~100 ms once at start, not on the first request
      } catch (error) {
        await runtime.close();
        throw new ConfigError([`SESSIOND_GEOIP_DATABASE (--geoip-database): not a readable MaxMind-format database: ${(error as Error).message}`]);
      }
      const app = await buildApp({ sessions: runtime.sessions, apiKeys: runtime.apiKeys, config, logger, signingKeys: runtime.signingKeys, rateLimiter: runtime.rateLimiter });
      const address = await app.listen({ host: config.host, port: config.port }).catch(async (error: NodeJS.ErrnoException) => {
        await runtime.close();
        // A port in use or an address that is not ours is a configuration problem: name the setting.
        const setting = error.code === "EADDRINUSE" || error.code === "EACCES" ? "SESSIOND_PORT (--port)" : "SESSIOND_HOST (--host)";
        throw new ConfigError([`${setting}: cannot listen on ${config.host}:${config.port}: ${error.code ?? error.message}`]);
      });
      const port = Number(new URL(address).port);
      runtime.setListeningPort(port);

      // The root key is generated only once the server listens, and printed at once. Generating it
      // first would leave, after a failed start (a port in use), a stored root key that was never
      // shown, or shown by a start that then died; and a later start would print nothing, since a
      // root key exists. Revoking it on failure instead could not cover a crash in between. Until
      // it exists (a few ms), API requests are refused as unauthenticated, which is safe.
      const rootKey = await runtime.apiKeys.ensureRootKey().catch(async (error: unknown) => {
        await app.close();
        await runtime.close();
        throw error;
      });
      // Printed once, straight to stderr and never through the logger, so it cannot end up in log storage.
      if (rootKey !== null)
        process.stderr.write(`\nsessiond: a root API key was generated. It is shown only this once; store it now:\n\n  ${rootKey}\n\n`);
      // Advice only: a store hiccup here must not stop a server that is already serving.
      await logRootKeys(runtime, logger, config, rootKey !== null).catch((error: unknown) => logger.warn({ err: error }, "could not list the stored root keys"));

      const { origin, path } = runtime.keySource;
      const rootKeySource = runtime.apiKeys.hasConfiguredRootKey ? "configured" : rootKey !== null ? "generated" : "stored";
      logger.info({ address, publicUrl: publicUrl(config, port), store: redactUrl(config.store), rootKeySource, signingKeys: { origin, ...(path === undefined ? {} : { path }) }, node: { version: process.version, flags: process.execArgv } }, "sessiond listening");
      if (origin === "none") logger.warn("session JWTs are off: set SESSIOND_KEY_ENCRYPTION_KEY (the same on every server) to mint them on a shared store");
      if (config.publicUrl === undefined && !/^(sqlite|memory):/.test(config.store))
        logger.warn("SESSIOND_PUBLIC_URL is not set: JWT issuers use this server's own address; set it so every server issues the same iss");

      let sweeping = false;
      const sweeper =
        config.sweepIntervalSeconds > 0
          ? setInterval(() => {
              if (sweeping) return;
              sweeping = true;
              Promise.all([runtime.sessions.sweep({ batchBudgetMs: SWEEP_BATCH_BUDGET_MS }), runtime.signingKeys.prune()])
                .then(([done, pruned]) => {
                  if (done.expired + done.abandoned + done.purged > 0) logger.info({ ...done }, "sweep");
                  if (pruned.length > 0) logger.info({ kids: pruned }, "retired signing keys dropped from the JWKS");
                })
                .catch((error: unknown) => logger.warn({ err: error }, "sweep failed"))
                .finally(() => (sweeping = false));
            }, config.sweepIntervalSeconds * 1000).unref()
          : null;

      const stop = async (signal: string) => {
        logger.info({ signal }, "sessiond stopping");
        if (sweeper !== null) clearInterval(sweeper);
        await app.close();
        await runtime.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    }),
  );
}
