/** The composition root: config → store → services. Shared by the server (start.ts) and every CLI command. */
import { pino, type Logger } from "pino";
import type { ActivityWriterOptions } from "../core/activity-writer.js";
import { ApiKeys } from "../core/api-keys.js";
import { definedOnly } from "../core/defined-only.js";
import { systemClock } from "../core/clock.js";
import { createSessions, type Sessions } from "../core/service.js";
import { openWebhookSecret } from "../core/webhooks.js";
import type { Store } from "../core/store/index.js";
import { systemRandom } from "../core/session-token.js";
import { existsSync } from "node:fs";
import { type Config, ConfigError, publicUrl, rateLimitsOf, settingsOf } from "../config.js";
import { RateLimiter } from "../core/rate-limit.js";
import { createEnricher } from "../enrich/index.js";
import { openStore } from "../stores/open.js";
import { type KeySource, resolveKeyEncryptionKey } from "../jwt/key-encryption.js";
import { SigningKeys } from "../jwt/signing-keys.js";
import type { Dispatcher } from "../webhooks/index.js";
import { createWebhookDispatcher } from "./webhooks.js";

export interface Runtime {
  config: Config;
  store: Store;
  sessions: Sessions;
  apiKeys: ApiKeys;
  enricher: ReturnType<typeof createEnricher>;
  signingKeys: SigningKeys;
  keySource: KeySource;
  rateLimiter: RateLimiter;
  /** Delivers webhooks: started by `sessiond serve` only; stopped (leases given back) by `close`. */
  dispatcher: Dispatcher;
  /** Sets the port JWT issuers use when no public URL is configured (known once listening). */
  setListeningPort(port: number): void;
  close(): Promise<void>;
}

/** What a runtime reports besides its results: a failed batch of activity writes (the server logs it). */
export interface RuntimeHooks {
  onActivityFailure?: ActivityWriterOptions["onFailure"];
  /** Where the webhook dispatcher logs (the server's logger; CLI commands log nothing). */
  webhookLogger?: Logger;
}

export async function openRuntime(config: Config, open: { migrate?: boolean; mustExist?: boolean } = {}, hooks: RuntimeHooks = {}): Promise<Runtime> {
  if (!["bundled", "off"].includes(config.geoipDatabase) && !existsSync(config.geoipDatabase))
    throw new ConfigError([`SESSIOND_GEOIP_DATABASE (--geoip-database): no file at ${config.geoipDatabase}`]);
  const store = await openStore(config.store, { ...open, timeoutMs: config.storeTimeoutMs, retentionMs: config.retentionSeconds * 1000 });
  const enricher = createEnricher({ geoIp: config.geoipDatabase });
  const keySource = resolveKeyEncryptionKey(config.store, config.keyEncryptionKey);
  const signingKeys = new SigningKeys({ store, keyEncryptionKey: keySource.key, clock: systemClock });
  let issuerBase = publicUrl(config);
  const jwt = { signer: signingKeys, publicUrl: () => issuerBase };
  const verifyCache = config.verifyCache ? { maxEntries: config.verifyCacheSize, ttlMs: config.verifyCacheTtlSeconds * 1000 } : false;
  const activityWrites = {
    batchMs: config.activityBatchMs,
    // A write that moves a deadline due within a few batches and a store call's timeout skips the queue.
    syncWithinMs: Math.max(1000, 4 * config.activityBatchMs + config.storeTimeoutMs),
    ...definedOnly({ onFailure: hooks.onActivityFailure }),
  };
  const dispatcher = createWebhookDispatcher(config, {
    store,
    signingKeys,
    publicUrl: () => issuerBase,
    // Endpoints hold their secrets sealed with the key-encryption key (src/core/webhook-secrets.ts).
    openSecret: (sealed) => openWebhookSecret(sealed, keySource.key),
    logger: () => hooks.webhookLogger ?? null,
  });
  const webhooks = { keyEncryptionKey: keySource.key, sendTest: dispatcher.sendTest };
  const sessions = createSessions({ store, policy: settingsOf(config), enricher, jwt, verifyCache, activityWrites, webhooks });
  const apiKeys = new ApiKeys(store.apiKeys, systemClock, systemRandom, config.rootKey ?? null);
  const rateLimiter = new RateLimiter(store.counters, systemClock, rateLimitsOf(config));
  let closed = false;
  return {
    config,
    store,
    sessions,
    apiKeys,
    enricher,
    signingKeys,
    keySource,
    rateLimiter,
    dispatcher,
    setListeningPort: (port) => (issuerBase = publicUrl(config, port)),
    close: async () => {
      if (closed) return;
      closed = true;
      await dispatcher.stop();
      rateLimiter.close();
      await sessions.close();
    },
  };
}

/** Paths a log line must never show in clear: credentials in headers and tokens or keys in bodies. */
export const REDACTED_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "headers.authorization",
  "*.token",
  "*.key",
  "*.rootKey",
  "*.keyEncryptionKey",
  "token",
  "key",
];

/** Structured JSON logs on stdout, with credentials redacted. */
export function createLogger(config: Pick<Config, "logLevel">, destination?: NodeJS.WritableStream): Logger {
  return pino(
    { level: config.logLevel, redact: { paths: REDACTED_PATHS, censor: "[redacted]" }, base: { service: "sessiond" } },
    destination ?? process.stdout,
  );
}
