/** Records and services for store tests, built the same way for every store. */
import { ManualClock } from "../../src/core/clock.js";
import type { ActivityRecord, SessionRecord } from "../../src/core/model.js";
import type { Settings } from "../../src/core/policy.js";
import { createSessions, type Sessions } from "../../src/core/service.js";
import type { Store } from "../../src/core/store/index.js";
import { hashSecret, newId, newSessionId, systemRandom } from "../../src/core/session-token.js";

export const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

let counter = 0;

/** A fully populated active record: every field set to a non-default value so round-trips are meaningful. */
export function makeRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  counter += 1;
  const tenantId = overrides.tenantId ?? "acme";
  const userId = overrides.userId ?? `user_${counter}`;
  const createdAt = overrides.createdAt ?? T0 + counter;
  const id = overrides.id ?? newSessionId(tenantId, userId, createdAt, systemRandom);
  const activity: ActivityRecord = {
    id: newId("sact", createdAt, systemRandom),
    sessionId: id,
    at: createdAt,
    ipAddress: "203.0.113.7",
    userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    isMobile: false,
    city: "Berlin",
    country: "DE",
    browserName: "Firefox",
    browserVersion: "128.0",
    deviceType: "desktop",
    osName: "Linux",
    location: "Berlin, DE",
    changed: [],
  };
  return {
    id,
    tenantId,
    workspaceId: "ws_1",
    userId,
    username: "ada",
    clientId: `client_${counter}`,
    status: "active",
    endReason: null,
    sessionType: "regular_login",
    aud: "https://app.example",
    scopes: ["read", "write"],
    amr: ["password", "totp"],
    actor: null,
    lastActiveOrganizationId: "org_1",
    ip: "203.0.113.7",
    userAgent: activity.userAgent,
    location: "Berlin, DE",
    boundUserAgent: null,
    slidingExpiration: true,
    maxAgeMinutes: 600,
    latestActivity: activity,
    metadata: { plan: "pro", nested: { list: [1, "two", null], flag: true }, unicode: "✓ ü 日本" },
    createdAt,
    updatedAt: createdAt,
    lastActiveAt: createdAt,
    lastRefreshedAt: null,
    expireAt: createdAt + 60 * MINUTE,
    abandonAt: createdAt + 30 * MINUTE,
    revokedAt: null,
    endedAt: null,
    isDeleted: false,
    secretHash: hashSecret(`secret-${counter}`),
    supersededSecrets: [],
    version: 1,
    startedAt: createdAt,
    lifetimeMs: 60 * MINUTE,
    maxLifetimeMs: 24 * 60 * MINUTE,
    inactivityTimeoutMs: 30 * MINUTE,
    ...overrides,
  };
}

/** A service over `store` with a manual clock at {@link T0}. */
export function serviceOn(store: Store, policy: Partial<Settings> = {}): { sessions: Sessions; clock: ManualClock } {
  const clock = new ManualClock(T0);
  return { sessions: createSessions({ store, policy, clock }), clock };
}
