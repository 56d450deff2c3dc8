/**
 * The webhook dispatcher as `sessiond serve` runs it: built with the runtime (so CLI commands
 * can send a test event through it too), started once the server listens, stopped before the
 * store closes. Failures are logged with the endpoint and event ids only: never the URL (its
 * query may hold a token), a secret or a logout token.
 */
import type { Logger } from "pino";
import { type Config, webhookRetryScheduleMs } from "../config.js";
import type { Store } from "../core/store/index.js";
import type { SigningKeys } from "../jwt/signing-keys.js";
import { createDispatcher, type Dispatcher, signingKeysLogoutSigner } from "../webhooks/index.js";

export interface WebhookDispatcherDeps {
  store: Store;
  signingKeys: SigningKeys;
  publicUrl(): string;
  /** Opens a stored signing secret (src/core/webhooks.ts seals them under the key-encryption key). */
  openSecret(sealed: string): string;
  /** Set once the server's logger exists; until then nothing is logged (CLI commands). */
  logger(): Logger | null;
}

export function createWebhookDispatcher(config: Config, deps: WebhookDispatcherDeps): Dispatcher {
  return createDispatcher({
    store: deps.store,
    openSecret: deps.openSecret,
    // Without a key-encryption key nothing can sign: logout endpoints then fail every attempt, with a reason in the log.
    logoutSigner: deps.signingKeys.canSign ? signingKeysLogoutSigner(deps.signingKeys) : null,
    publicUrl: deps.publicUrl,
    retryScheduleMs: webhookRetryScheduleMs(config),
    allowPrivate: config.webhookAllowPrivate,
    logRetentionMs: config.eventRetentionSeconds * 1000,
    onFailure: (failure) =>
      deps.logger()?.[failure.final ? "warn" : "info"]({ ...failure }, failure.final ? "webhook delivery failed for good" : "webhook attempt failed"),
    onDisabled: (endpointId) => deps.logger()?.warn({ endpointId }, "webhook endpoint disabled: every attempt failed for 5 days"),
    onError: (error, endpointId) => deps.logger()?.warn({ err: error, endpointId }, "webhook dispatch failed; retrying"),
  });
}
