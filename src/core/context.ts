import type { ActivityWriter } from "./activity-writer.js";
import type { Clock } from "./clock.js";
import type { InitiatedBy } from "./events.js";
import type { DeviceAndPlace, Enricher } from "./model.js";
import type { Settings } from "./policy.js";
import type { PolicyStore, SessionStore, TemplateStore } from "./store/index.js";
import type { RandomSource } from "./session-token.js";
import type { VerifyCache } from "./verify-cache.js";

/** What the service's parts share: the store roles they use and the injected clock, randomness and enricher. */
export interface ServiceContext {
  readonly sessions: SessionStore;
  readonly policies: PolicyStore;
  readonly templates: TemplateStore;
  readonly settings: Readonly<Settings>;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly enricher: Enricher;
  /** Node-local copies for verify; null in strict mode (the default). */
  readonly cache: VerifyCache | null;
  /** Activity writes off the response path (group commit); null writes each on the response path. */
  readonly activity: ActivityWriter | null;
  /** Activity that would move a deadline due within this long is written on the response path. */
  readonly activitySyncWithinMs: number;
  /** Whether writes store their events (SPEC §9): off for stores without an outbox and with `events: false`. */
  readonly events: boolean;
}

/** Scope of a call: with a tenant, another tenant's sessions do not exist. */
export interface Scope {
  tenantId?: string;
  /** Who makes the call, for the events it causes; default: an API key without id (the library's caller). */
  initiatedBy?: InitiatedBy;
}

const NOTHING_KNOWN: DeviceAndPlace = Object.freeze({
  isMobile: false,
  browserName: null,
  browserVersion: null,
  deviceType: null,
  osName: null,
  city: null,
  country: null,
  location: null,
});

/** The enricher used when none is given: records IP and UA, derives nothing. */
export const plainEnricher: Enricher = { describe: () => NOTHING_KNOWN };
