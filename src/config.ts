/**
 * The one configuration object: a TypeBox schema, filled from command-line flags
 * and SESSIOND_* variables (flags win) and, for secrets, the files they name;
 * validated once at start and frozen. Nothing else reads process.env.
 */
import { readFileSync } from "node:fs";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "./config-error.js";
import { DEFAULT_ACTIVITY_WRITES, DEFAULT_SETTINGS, DEFAULT_STORE_TIMEOUT_MS, DEFAULT_VERIFY_CACHE } from "./core/defaults.js";
import type { Settings } from "./core/policy.js";
import type { RateLimits } from "./core/rate-limit.js";

const seconds = (def: number, description: string) => Type.Integer({ minimum: 1, default: def, description });
const optionalSeconds = (description: string) => Type.Optional(Type.Integer({ minimum: 1, description }));
const S = 1000;

export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: "127.0.0.1", description: "address to listen on" }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 7420, description: "port to listen on (0: any free port)" }),
    store: Type.String({
      minLength: 1,
      default: "sqlite:./data/sessiond.db",
      pattern: "^(sqlite:.+|memory:(//)?|postgres(ql)?://.+|rediss?://.+|redis-cluster://.+)$",
      description: "store URL: sqlite:<path>, postgres://…, redis://…, redis-cluster://h1:p1,h2:p2, memory:",
    }),
    rootKey: Type.Optional(Type.String({ minLength: 32, maxLength: 200, description: "use this root API key instead of generating one" })),
    rootKeyFile: Type.Optional(Type.String({ minLength: 1, description: "read the root API key from this file (one trailing newline is dropped)" })),
    publicUrl: Type.Optional(Type.String({ pattern: "^https?://[^\\s]+$", description: "public base URL (default http://HOST:PORT)" })),
    trustProxy: Type.Optional(Type.Integer({ minimum: 1, maximum: 32, description: "number of trusted proxy hops for X-Forwarded-For" })),
    retentionSeconds: seconds(DEFAULT_SETTINGS.retentionMs / S, "how long terminal sessions stay readable before purge"),
    eventRetentionSeconds: seconds(DEFAULT_SETTINGS.eventRetentionMs / S, "how long the event feed keeps an event"),
    keyEncryptionKey: Type.Optional(Type.String({ minLength: 32, description: "key that encrypts JWT signing keys at rest" })),
    keyEncryptionKeyFile: Type.Optional(
      Type.String({ minLength: 1, description: "read the key-encryption key from this file (one trailing newline is dropped)" }),
    ),
    lifetimeSeconds: seconds(DEFAULT_SETTINGS.lifetimeMs / S, "default session lifetime"),
    maxLifetimeSeconds: seconds(DEFAULT_SETTINGS.maxLifetimeMs / S, "absolute cap on a session's life"),
    inactivityTimeoutSeconds: optionalSeconds("default inactivity timeout (unset: off)"),
    slidingExpiration: Type.Boolean({ default: false, description: "activity pushes expire_at out by default" }),
    maxSessionsPerUser: Type.Optional(Type.Integer({ minimum: 1, description: "default per-user limit of active sessions (unset: none)" })),
    bindUserAgent: Type.Boolean({ default: false, description: "bind sessions to their creating user agent by default" }),
    pendingTimeoutSeconds: seconds(DEFAULT_SETTINGS.pendingTimeoutMs / S, "how long a pending session may wait for activation"),
    activityResolutionSeconds: seconds(DEFAULT_SETTINGS.activityResolutionMs / S, "record activity at most this often while IP and UA stay"),
    refreshGraceSeconds: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: DEFAULT_SETTINGS.refreshGraceMs / S,
      description: "how long a superseded token still verifies",
    }),
    activityHistoryLimit: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: DEFAULT_SETTINGS.activityHistoryLimit,
      description: "activities kept per session",
    }),
    sweepIntervalSeconds: Type.Integer({ minimum: 0, default: 60, description: "how often the server sweeps (0: never; use `sessiond sweep`)" }),
    geoipDatabase: Type.String({
      minLength: 1,
      default: "bundled",
      description: "geo-IP data: bundled (DB-IP Lite, in npm), off, or a path to your own MaxMind-format .mmdb",
    }),
    logLevel: Type.Union(
      ["fatal", "error", "warn", "info", "debug", "trace", "silent"].map((l) => Type.Literal(l)),
      { default: "info", description: "log level" },
    ),
    logRequests: Type.Boolean({ default: false, description: "log one line per request (method, route, status, time); errors and 5xx are logged either way" }),
    userSessionCap: Type.Integer({
      minimum: 1,
      maximum: 1_000_000,
      default: DEFAULT_SETTINGS.userSessionCap,
      description: "hard ceiling on a user's active sessions, whatever the policy (the least recently active beyond it are removed)",
    }),
    rateLimitFailedVerifyPerIp: Type.Integer({
      minimum: 0,
      default: 60,
      description:
        "failed verifications (token_invalid, token_reused) per end-user address (IPv6: /64) and API key per minute; further failures answer 429 (0: off)",
    }),
    rateLimitFailedVerifyPerKey: Type.Integer({ minimum: 0, default: 0, description: "failed verifications per API key per minute before 429 (0: off)" }),
    rateLimitRequestsPerKey: Type.Integer({ minimum: 0, default: 0, description: "requests per API key per minute before 429 (0: off)" }),
    verifyCache: Type.Boolean({
      default: false,
      description: "keep node-local copies of sessions for verify, invalidated through the store's change feed (default: strict, every verify reads the store)",
    }),
    verifyCacheSize: Type.Integer({
      minimum: 1,
      maximum: 10_000_000,
      default: DEFAULT_VERIFY_CACHE.maxEntries,
      description: "sessions the verify cache keeps per process",
    }),
    verifyCacheTtlSeconds: Type.Integer({
      minimum: 1,
      maximum: 3600,
      default: DEFAULT_VERIFY_CACHE.ttlMs / S,
      description: "the longest a cached copy is trusted",
    }),
    activityBatchMs: Type.Integer({
      minimum: 0,
      maximum: 1000,
      default: DEFAULT_ACTIVITY_WRITES.batchMs,
      description: "write verify's activity in batches this often, off the response path (a crash loses at most what is queued); 0: each on the response path",
    }),
    metricsRequireKey: Type.Boolean({ default: false, description: "require the root key for /metrics" }),
    storeTimeoutMs: Type.Integer({
      minimum: 50,
      maximum: 60_000,
      default: DEFAULT_STORE_TIMEOUT_MS,
      description: "answer 503 store_unavailable when the store takes longer",
    }),
    webhookRetrySchedule: Type.String({
      pattern: "^[1-9][0-9]{0,6}(,[1-9][0-9]{0,6}){0,19}$",
      default: "5,300,1800,7200,18000,36000,36000",
      description: "seconds between a failed webhook attempt and the next, comma-separated (±20 % jitter); after the last, the delivery is marked failed",
    }),
    webhookAllowPrivate: Type.Boolean({
      default: false,
      description: "let webhooks reach private, loopback, link-local and other internal addresses (checked on the resolved address at every attempt)",
    }),
    requestTimeoutMs: Type.Integer({ minimum: 100, maximum: 300_000, default: 10_000, description: "abort requests that take longer" }),
  },
  { additionalProperties: false },
);

export type Config = Readonly<Static<typeof ConfigSchema>>;
export type ConfigKey = keyof Static<typeof ConfigSchema>;

export { ConfigError };

/** `storeTimeoutMs` → `SESSIOND_STORE_TIMEOUT_MS`. */
export function envName(key: string): string {
  return `SESSIOND_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** `storeTimeoutMs` → `--store-timeout-ms`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/**
 * Secrets that may also come from a file, so they need not sit in the environment or on the
 * command line, where `ps` shows them to every local user.
 */
const SECRET_FILES = { rootKey: "rootKeyFile", keyEncryptionKey: "keyEncryptionKeyFile" } as const;

/**
 * The secrets given as values on the command line, each with a warning to show once at start:
 * every local user can read a process's arguments.
 */
export function secretFlagWarnings(flags: Record<string, string | undefined>): string[] {
  return Object.entries(SECRET_FILES)
    .filter(([key]) => flags[key] !== undefined)
    .map(([key, file]) => `${flagName(key)} on the command line is visible to every local user (ps); use ${envName(file)} or ${flagName(file)} instead`);
}

/** The secret in a file: its text with one trailing line ending dropped (editors add one). */
function readSecretFile(path: string): string {
  return readFileSync(path, "utf8").replace(/\r?\n$/, "");
}

function convert(schema: TSchema, raw: string): unknown {
  if (schema.type === "integer") return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (schema.type === "boolean") return { true: true, "1": true, false: false, "0": false }[raw.trim().toLowerCase()] ?? raw;
  return raw;
}

/**
 * Builds the configuration from flags (already parsed, keyed by config key, string values)
 * and environment variables. Throws {@link ConfigError} listing every problem by flag or variable name.
 */
export function loadConfig(sources: { env?: Record<string, string | undefined>; flags?: Record<string, string | undefined> } = {}): Config {
  const env = sources.env ?? {};
  const flags = sources.flags ?? {};
  const problems: string[] = [];
  const origin = new Map<string, string>();
  const raw: Record<string, unknown> = {};
  const properties = ConfigSchema.properties as Record<string, TSchema>;
  for (const [key, schema] of Object.entries(properties)) {
    const fromFlag = flags[key];
    const fromEnv = env[envName(key)];
    const value = fromFlag ?? (fromEnv === "" ? undefined : fromEnv);
    if (value === undefined) continue;
    origin.set(key, fromFlag !== undefined ? flagName(key) : envName(key));
    raw[key] = convert(schema, value);
  }
  for (const [key, fileKey] of Object.entries(SECRET_FILES)) {
    const path = raw[fileKey];
    if (typeof path !== "string") continue;
    if (raw[key] !== undefined) {
      problems.push(`${origin.get(fileKey)}: give the secret either as ${origin.get(key)} or as a file, not both`);
      continue;
    }
    try {
      raw[key] = readSecretFile(path);
      origin.set(key, `${origin.get(fileKey)} (${path})`);
    } catch (error) {
      problems.push(`${origin.get(fileKey)}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  for (const name of Object.keys(env)) {
    if (name.startsWith("SESSIOND_") && !Object.keys(properties).some((k) => envName(k) === name)) problems.push(`${name}: unknown setting`);
  }
  const filled = Value.Default(ConfigSchema, raw) as Record<string, unknown>;
  for (const error of Value.Errors(ConfigSchema, filled)) {
    const key = error.path.split("/")[1] ?? "";
    if (key === "store" && typeof filled.store === "string") {
      problems.push(`${origin.get(key) ?? envName(key)}: must be sqlite:<path>, postgres://…, redis://…, redis-cluster://h1:p1,… or memory:`);
      continue;
    }
    const shown = typeof error.value === "string" && /key/i.test(key) ? "(hidden)" : JSON.stringify(error.value);
    const allowed = (properties[key]?.anyOf as { const?: unknown }[] | undefined)?.map((option) => option.const);
    const message = allowed === undefined ? error.message : `must be one of ${allowed.join(", ")}`;
    problems.push(`${origin.get(key) ?? envName(key)}: ${message} (got ${shown})`);
  }
  const config = filled as Static<typeof ConfigSchema>;
  if (problems.length === 0 && config.lifetimeSeconds > config.maxLifetimeSeconds)
    problems.push(`${envName("lifetimeSeconds")}: must not exceed ${envName("maxLifetimeSeconds")} (${config.maxLifetimeSeconds})`);
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** The public base URL: configured, or derived from host and port. */
export function publicUrl(config: Config, port = config.port): string {
  return (config.publicUrl ?? `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`).replace(/\/+$/, "");
}

/** The abuse-control limits of the configuration (0: off). */
export function rateLimitsOf(config: Config): RateLimits {
  const on = (n: number) => (n > 0 ? n : null);
  return {
    failedVerifyPerIp: on(config.rateLimitFailedVerifyPerIp),
    failedVerifyPerKey: on(config.rateLimitFailedVerifyPerKey),
    requestsPerKey: on(config.rateLimitRequestsPerKey),
  };
}

/** The webhook retry schedule in milliseconds. */
export function webhookRetryScheduleMs(config: Config): number[] {
  return config.webhookRetrySchedule.split(",").map((seconds) => Number(seconds) * S);
}

/** The core's settings slice of the configuration. */
export function settingsOf(config: Config): Settings {
  return {
    lifetimeMs: config.lifetimeSeconds * S,
    maxLifetimeMs: config.maxLifetimeSeconds * S,
    inactivityTimeoutMs: config.inactivityTimeoutSeconds === undefined ? null : config.inactivityTimeoutSeconds * S,
    slidingExpiration: config.slidingExpiration,
    maxSessionsPerUser: config.maxSessionsPerUser ?? null,
    bindUserAgent: config.bindUserAgent,
    pendingTimeoutMs: config.pendingTimeoutSeconds * S,
    activityResolutionMs: config.activityResolutionSeconds * S,
    refreshGraceMs: config.refreshGraceSeconds * S,
    retentionMs: config.retentionSeconds * S,
    eventRetentionMs: config.eventRetentionSeconds * S,
    activityHistoryLimit: config.activityHistoryLimit,
    sweepBatchSize: DEFAULT_SETTINGS.sweepBatchSize,
    userSessionCap: config.userSessionCap,
  };
}
