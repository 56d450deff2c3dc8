/** An app on a memory store with a root key and two tenant keys, driven through inject(). */
import type { LightMyRequestResponse } from "fastify";
import { ApiKeys } from "../../src/core/api-keys.js";
import { ManualClock } from "../../src/core/clock.js";
import { createSessions, type Sessions } from "../../src/core/service.js";
import type { Enricher } from "../../src/core/model.js";
import type { Settings } from "../../src/core/policy.js";
import { systemRandom } from "../../src/core/session-token.js";
import { loadConfig, rateLimitsOf } from "../../src/config.js";
import { RateLimiter } from "../../src/core/rate-limit.js";
import { type App, buildApp } from "../../src/http/app.js";
import { memoryStore } from "../../src/stores/memory/index.js";
import { SigningKeys } from "../../src/jwt/signing-keys.js";

/** The public URL the harness's JWT issuers are built from. */
export const PUBLIC_URL = "https://sessiond.test";

export const ROOT_KEY = "root-key-for-tests-0123456789abcdef";

export interface Harness {
  app: App;
  sessions: Sessions;
  apiKeys: ApiKeys;
  clock: ManualClock;
  signingKeys: SigningKeys;
  keys: { root: string; acme: string; globex: string };
  call(
    method: string,
    url: string,
    options?: { key?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function harness(policy: Partial<Settings> = {}, env: Record<string, string> = {}, enricher?: Enricher): Promise<Harness> {
  const store = memoryStore();
  const clock = new ManualClock(Date.now());
  const keyEncryptionKey = "harness-key-encryption-key-0123456789";
  const signingKeys = new SigningKeys({ store, clock, keyEncryptionKey });
  const jwt = { signer: signingKeys, publicUrl: PUBLIC_URL };
  const sessions = createSessions({ store, clock, policy, jwt, webhooks: { keyEncryptionKey }, ...(enricher === undefined ? {} : { enricher }) });
  const apiKeys = new ApiKeys(store.apiKeys, clock, systemRandom, ROOT_KEY);
  const config = loadConfig({ env });
  const rateLimiter = new RateLimiter(store.counters, clock, rateLimitsOf(config));
  const app = await buildApp({ sessions, apiKeys, config, signingKeys, rateLimiter });
  const keys = { root: ROOT_KEY, acme: (await apiKeys.create("acme", "acme")).key, globex: (await apiKeys.create("globex", "globex")).key };
  return {
    app,
    sessions,
    apiKeys,
    clock,
    signingKeys,
    keys,
    call: (method, url, options = {}) => {
      const key = options.key === undefined ? ROOT_KEY : options.key;
      const headers: Record<string, string> = { ...(key === null ? {} : { authorization: `Bearer ${key}` }), ...options.headers };
      if (options.raw !== undefined || options.body !== undefined) headers["content-type"] ??= "application/json";
      const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      return app.inject({ method: method as "GET", url, headers, ...(payload === undefined ? {} : { payload }) });
    },
    close: async () => {
      rateLimiter.close();
      await app.close();
    },
  };
}

/** The code of an error response. */
export function codeOf(response: LightMyRequestResponse): string | undefined {
  return (response.json() as { errors?: { code: string }[] }).errors?.[0]?.code;
}
