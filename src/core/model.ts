/** The session model of SPEC §2, in the library's camelCase form. */

export const LIVE_STATUSES = ["pending", "active"] as const;
export const TERMINAL_STATUSES = ["ended", "revoked", "expired", "abandoned", "removed", "replaced"] as const;
export const SESSION_STATUSES = [...LIVE_STATUSES, ...TERMINAL_STATUSES] as const;

/** A session's status (SPEC §3). */
export type SessionStatus = (typeof SESSION_STATUSES)[number];
export type LiveStatus = (typeof LIVE_STATUSES)[number];
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export const SESSION_TYPES = [
  "temporary",
  "regular_login",
  "account_recovery",
  "credential_recovery",
  "impersonation",
  "api_key",
  "oauth_client",
  "oauth_session",
  "service_account",
  "one_time_access",
] as const;

/** What kind of session this is; some kinds change the lifecycle (SPEC §3 "Session types"). */
export type SessionType = (typeof SESSION_TYPES)[number];

/** Why a terminal session ended. Apps may give their own reason on revoke. */
export type EndReason =
  | "signed_out"
  | "revoked"
  | "token_reused"
  | "expired"
  | "abandoned"
  | "session_limit"
  | "user_removed"
  | "replaced"
  | "deleted"
  | "one_time_used"
  | (string & {});

/** User-Agent Client Hints an app may forward (SPEC §3). */
export interface ClientHints {
  secChUa?: string;
  secChUaMobile?: string;
  secChUaPlatform?: string;
}

/** What an enricher derives from an IP and a user agent. */
export interface DeviceAndPlace {
  isMobile: boolean;
  browserName: string | null;
  browserVersion: string | null;
  deviceType: string | null;
  osName: string | null;
  city: string | null;
  country: string | null;
  location: string | null;
}

/** Turns a request's IP, UA and client hints into device and place facts. */
export interface Enricher {
  describe(input: { ip: string | null; userAgent: string | null; clientHints: ClientHints | null }): DeviceAndPlace;
}

/** The fields of an activity that {@link ActivityRecord.changed} compares. */
export type ActivityChange = "ip" | "country" | "device" | "browser";

/** The latest activity of a session as the API shows it (Clerk SessionActivity + OS). */
export interface SessionActivity {
  object: "session_activity";
  id: string;
  isMobile: boolean;
  ipAddress: string | null;
  city: string | null;
  country: string | null;
  browserName: string | null;
  browserVersion: string | null;
  deviceType: string | null;
  osName: string | null;
}

/** One recorded use of a session, as stored and listed in its history. */
export interface ActivityRecord extends Omit<SessionActivity, "object"> {
  sessionId: string;
  at: number;
  userAgent: string | null;
  location: string | null;
  changed: ActivityChange[];
}

/** One entry of a session's activity history (SPEC §5 activities). */
export interface ActivityEntry extends SessionActivity {
  at: number;
  changed: ActivityChange[];
}

/** A session as every read reports it; `status` is the effective status at read time. */
export interface Session {
  object: "session";
  id: string;
  tenantId: string;
  workspaceId: string | null;
  userId: string;
  username: string | null;
  clientId: string;
  status: SessionStatus;
  endReason: EndReason | null;
  sessionType: SessionType | null;
  aud: string | null;
  scopes: string[];
  amr: string[];
  actor: Record<string, unknown> | null;
  lastActiveOrganizationId: string | null;
  ip: string | null;
  userAgent: string | null;
  location: string | null;
  boundUserAgent: string | null;
  slidingExpiration: boolean;
  maxAgeMinutes: number | null;
  latestActivity: SessionActivity | null;
  metadata: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  lastActiveAt: number;
  lastRefreshedAt: number | null;
  expireAt: number;
  abandonAt: number | null;
  revokedAt: number | null;
  endedAt: number | null;
  isDeleted: boolean;
}

/** A secret that a refresh replaced, kept to recognise late or stolen copies. */
export interface SupersededSecret {
  hash: Buffer;
  supersededAt: number;
}

/**
 * A session as stores keep it: the public fields with the *stored* status,
 * plus the secret digests, the optimistic-concurrency version and the
 * lifetimes resolved from policy when the session was created.
 */
export interface SessionRecord extends Omit<Session, "object" | "latestActivity"> {
  latestActivity: ActivityRecord | null;
  secretHash: Buffer;
  /** Newest first, at most {@link SUPERSEDED_SECRETS_KEPT}. */
  supersededSecrets: SupersededSecret[];
  /** Bumped by every state change; conditional writes compare it. */
  version: number;
  /** When the lifetime started: creation, or activation for a session created pending. */
  startedAt: number;
  lifetimeMs: number;
  maxLifetimeMs: number;
  inactivityTimeoutMs: number | null;
}

/** How many superseded secrets a session remembers (SPEC §3). */
export const SUPERSEDED_SECRETS_KEPT = 5;

/** Fields a state change may write; everything else is fixed at creation. */
export type SessionChange = Partial<
  Pick<
    SessionRecord,
    | "status"
    | "endReason"
    | "updatedAt"
    | "lastActiveAt"
    | "lastRefreshedAt"
    | "expireAt"
    | "abandonAt"
    | "revokedAt"
    | "endedAt"
    | "isDeleted"
    | "secretHash"
    | "supersededSecrets"
    | "startedAt"
    | "amr"
    | "metadata"
    | "lastActiveOrganizationId"
    | "scopes"
    | "username"
    | "workspaceId"
  >
>;

/** What an activity write sets: never the status (SPEC §3 "Activity"). */
export type ActivityChangeSet = Pick<SessionRecord, "lastActiveAt" | "expireAt" | "abandonAt" | "location"> & {
  latestActivity: ActivityRecord;
};

export function isTerminal(status: SessionStatus): status is TerminalStatus {
  return status !== "pending" && status !== "active";
}
