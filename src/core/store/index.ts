/**
 * The store contract (SPEC §7), one small interface per role, each with one consumer in the
 * core (or jwt/). Stores hold data and make writes conditional and atomic; they hold no
 * policy: they return what they hold (expired sessions too) and the core decides. Driver
 * errors MUST become `store_unavailable` (the backend is away) or `conflict` (a lost race,
 * a duplicate id), with the driver's error as `cause`.
 *
 * Each backend folder under src/stores/ has one file per role with the same name as here
 * (sessions.ts, api-keys.ts, …) and an index.ts that composes them into a {@link Store};
 * test/conformance/ has one file (or folder) per role, run against every backend.
 */
import type { ApiKeyStore } from "./api-keys.js";
import type { ChangeFeed } from "./changes.js";
import type { CounterStore } from "./counters.js";
import type { PolicyStore } from "./policies.js";
import type { SessionStore } from "./sessions.js";
import type { SigningKeyStore } from "./signing-keys.js";
import type { TemplateStore } from "./templates.js";
import type { OutboxStore } from "./outbox.js";
import type { WebhookStore } from "./webhooks.js";

export type { ApiKeyRecord, ApiKeyStore } from "./api-keys.js";
export type { ChangeFeed, ChangeListener, ChangeWatch } from "./changes.js";
export type { CounterStore } from "./counters.js";
export type { PolicyStore } from "./policies.js";
export type {
  ActivationOptions,
  ActivityWrite,
  Ending,
  Page,
  PageRequest,
  Seen,
  SeenQuery,
  SessionFilter,
  SessionStats,
  SessionStore,
  SweepResult,
  UserSessions,
  UserSessionsFilter,
} from "./sessions.js";
export type { SigningKeyRecord, SigningKeyStore } from "./signing-keys.js";
export type { JwtTemplateRecord, TemplateStore } from "./templates.js";
export type { EventFilter, EventPage, OutboxStore } from "./outbox.js";
export type {
  DeliveryAttempt,
  ScheduledDelivery,
  WebhookDispatchState,
  WebhookEndpointRecord,
  WebhookSecretRecord,
  WebhookStore,
} from "./webhooks.js";

/** A step `migrate` applied. */
export interface MigrationStep {
  version: number;
  name: string;
}

/**
 * A whole store: every role on one backend, plus what concerns the backend as a whole.
 * `createSessions({ store })` takes one; each of the service's parts uses only its role.
 *
 * Events (SPEC §9) are written by the session role inside its own transaction (or Lua script),
 * and read back through `outbox`; webhook endpoints, their retry queue and delivery log live in
 * `webhooks`.
 */
export interface Store {
  readonly sessions: SessionStore;
  readonly apiKeys: ApiKeyStore;
  readonly signingKeys: SigningKeyStore;
  readonly templates: TemplateStore;
  readonly policies: PolicyStore;
  readonly counters: CounterStore;
  readonly changes: ChangeFeed;
  readonly outbox: OutboxStore;
  readonly webhooks: WebhookStore;

  /**
   * MUST bring the schema to the newest version, idempotently and safely when several
   * processes do it at once, calling `onStep` for each migration it applies. Opening a
   * store already migrates; `sessiond migrate` runs it explicitly.
   */
  migrate(onStep?: (step: MigrationStep) => void): Promise<{ version: number; applied: number[] }>;

  /** MUST answer quickly whether the backend is reachable (for `/readyz`). */
  ping(): Promise<void>;

  /** MUST release connections; calling it twice MUST be harmless. */
  close(): Promise<void>;
}
