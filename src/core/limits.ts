/**
 * Every bound on caller input, in one table: the core's input checks read it, and so do the
 * REST schemas (and with them /openapi.json), so the library refuses what REST refuses.
 * Keys are the wire (snake_case) field names that errors name in `details.field`.
 */

const TEN_YEARS_SECONDS = 315_360_000;
/** Session and policy durations: from a second up to ten years (SPEC §3 "Policy"). */
const DURATION_SECONDS = { minimum: 1, maximum: TEN_YEARS_SECONDS } as const;

export const LIMITS = {
  /** Text: 1 to n characters, no control characters or unpaired surrogates. */
  text: {
    user_id: 256,
    username: 256,
    workspace_id: 128,
    aud: 256,
    active_organization_id: 128,
    /** An app's revoke reason (kept as `end_reason`). */
    reason: 128,
    /** An API key's label. */
    name: 128,
  },
  /** Lists of text: at most `maxItems` items of 1 to `maxLength` characters. */
  lists: {
    scopes: { maxItems: 100, maxLength: 128 },
    amr: { maxItems: 20, maxLength: 64 },
  },
  /** Strings bounded only in length (may be empty); the core checks their shape where it has one. */
  strings: {
    ip: 45,
    /** Accepted up to this long; kept at most `cut.user_agent` characters. */
    user_agent: 16_384,
    cursor: 512,
    sec_ch_ua: 1024,
    sec_ch_ua_mobile: 16,
    sec_ch_ua_platform: 128,
    /** Clerk's refresh: a previous JWT of the session. */
    expired_token: 8192,
    /** Clerk's refresh: the page's origin (accepted, unused). */
    request_origin: 2048,
    /** Clerk's refresh: a forwarded header's name. */
    request_header_name: 256,
    /** Clerk's refresh: one value of a forwarded header. */
    request_header_value: 16_384,
  },
  /** Longest value kept: longer input is cut here, not refused. */
  cut: {
    /**
     * Cut on create and on every use alike, so a bound user agent still compares like with like.
     */
    user_agent: 1024,
  },
  /** How many entries a collection may have. */
  counts: {
    /** Clerk's refresh: forwarded headers. */
    request_headers: 100,
    /** Clerk's refresh: values of one forwarded header. */
    request_header_values: 16,
  },
  /** JSON objects: at most this many bytes serialized. */
  jsonBytes: {
    /** App data (SPEC §2); more answers `metadata_too_large`. */
    metadata: 16 * 1024,
    actor: 4 * 1024,
    /** A JWT template's static claims. */
    claims: 4 * 1024,
  },
  /** Integers: `minimum` to `maximum`; `default` where absence means a value. */
  integers: {
    /** Page size of every list. */
    limit: { minimum: 1, maximum: 500, default: 10 },
    /** Page size of the event feed: pollers want more per call than a list shows a person. */
    event_limit: { minimum: 1, maximum: 500, default: 100 },
    /**
     * The deepest offset a list accepts: a store skips `offset` rows to reach a page, so deeper
     * pages cost more on every store; beyond this, page with `next_cursor` (constant cost).
     */
    offset: { minimum: 0, maximum: 10_000 },
    lifetime_seconds: DURATION_SECONDS,
    max_lifetime_seconds: DURATION_SECONDS,
    inactivity_timeout_seconds: DURATION_SECONDS,
    pending_timeout_seconds: DURATION_SECONDS,
    max_age_minutes: { minimum: 1, maximum: TEN_YEARS_SECONDS / 60 },
    max_sessions_per_user: { minimum: 1, maximum: 100_000 },
    /** A session JWT's lifetime (mint `expires_in_seconds`, a template's `lifetime_seconds`). */
    jwt_lifetime_seconds: { minimum: 30, maximum: 3600 },
  },
} as const;

export type TextField = keyof typeof LIMITS.text;
export type ListField = keyof typeof LIMITS.lists;
export type JsonField = keyof typeof LIMITS.jsonBytes;
