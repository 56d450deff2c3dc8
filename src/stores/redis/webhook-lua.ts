/**
 * The webhook role's scripts: every key they touch is under `{aux}` (keys.ts), so each runs in
 * one slot. An endpoint is stored as `version:JSON`, so the conditional replace compares the
 * version without decoding the document.
 */

/** KEYS: endpoints. ARGV: id, expected version, new `version:JSON`. → 1 replaced | 0 not */
const REPLACE = `
local current = redis.call('HGET', KEYS[1], ARGV[1])
if not current or string.match(current, '^(%d+):') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/** KEYS: endpoints, due, payloads, log, log ids, log times. ARGV: id. → 1 deleted | 0 unknown */
const DELETE = `
local existed = redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return existed
`;

/** KEYS: due, payloads. ARGV: (event id, due at, delivery JSON) per delivery; one of the same event is replaced. */
const SCHEDULE = `
for i = 1, #ARGV, 3 do
  redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i])
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2])
end
`;

/** KEYS: due, payloads. ARGV: now, limit. → the due deliveries' JSON, earliest first (ties by event id) */
const DUE = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #ids == 0 then return {} end
return redis.call('HMGET', KEYS[2], unpack(ids))
`;

/** KEYS: due, payloads. ARGV: event ids. */
const UNSCHEDULE = `
redis.call('ZREM', KEYS[1], unpack(ARGV))
redis.call('HDEL', KEYS[2], unpack(ARGV))
`;

/**
 * KEYS: log, log ids, log times. ARGV: keep after (ms), then (id, at, JSON) per attempt. An id
 * already logged is kept as it was; then up to 1,000 attempts made before `keep after` go.
 */
const LOG = `
for i = 2, #ARGV, 3 do
  if redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 2]) == 1 then
    redis.call('ZADD', KEYS[2], 0, ARGV[i])
    redis.call('ZADD', KEYS[3], ARGV[i + 1], ARGV[i])
  end
end
local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1], 'LIMIT', 0, 1000)
if #old > 0 then
  redis.call('HDEL', KEYS[1], unpack(old))
  redis.call('ZREM', KEYS[2], unpack(old))
  redis.call('ZREM', KEYS[3], unpack(old))
end
`;

export const WEBHOOK_SCRIPTS = {
  sessiondWebhookReplace: { numberOfKeys: 1, lua: REPLACE },
  sessiondWebhookDelete: { numberOfKeys: 6, lua: DELETE },
  sessiondSchedule: { numberOfKeys: 2, lua: SCHEDULE },
  sessiondDue: { numberOfKeys: 2, lua: DUE },
  sessiondUnschedule: { numberOfKeys: 2, lua: UNSCHEDULE },
  sessiondLogAttempts: { numberOfKeys: 3, lua: LOG },
} as const;
