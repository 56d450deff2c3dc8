/**
 * The Lua of events (SPEC §9, keys.ts): how a session script appends its events to the tag's
 * outbox, and the relay's scripts that number them into the `{ev}` feed. Every script keeps to
 * one slot: the emit helpers write the outbox of the slot the session script runs in; the feed
 * scripts touch only `{ev}` keys; the hint scripts only the hint.
 */

/**
 * Helpers of the session scripts (lua.ts). An event is one LIST element: JSON whose id,
 * type, timestamp, initiator and signals come from ARGV, `at` is the commit instant (the
 * node's TIME in µs: the relay's order across tags) and `rec` is the record's HGETALL right
 * after the change, without the secret digests (decoded by codec.ts in the relay). The
 * element starts with `{"id":"<id>"`, which the relay's trim relies on.
 */
export const EMIT_LUA = `
local B32 = '0123456789abcdefghjkmnpqrstvwxyz'
local function b32(n)
  local d = math.floor(n) % 32 + 1
  return string.sub(B32, d, d)
end

-- eventId() of src/core/events.ts.
local function eventIdOf(base, n)
  return base .. b32(n / 1024) .. b32(n / 32) .. b32(n)
end

-- The stamp of a write from ARGV[i..i+3] (id base, initiator JSON, signals JSON, hint), or nil when it has none.
local function stampAt(i, first)
  if ARGV[i] == '' then return nil end
  return { base = ARGV[i], by = ARGV[i + 1], signals = ARGV[i + 2], hint = ARGV[i + 3], n = first or 0 }
end

local HIDDEN = { secret_hash = true, superseded_secrets = true }

local commitAt
local function committedAt()
  if not commitAt then
    local t = redis.call('TIME')
    commitAt = t[1] .. string.format('%06d', tonumber(t[2]))
  end
  return commitAt
end

-- On one server (no slots) the hint '<tag> <hint key>' is written here, atomically with the events.
local function hintOnce(stamp)
  if stamp.hint == '' then return end
  local tag, key = string.match(stamp.hint, '^(%S+) (.+)$')
  redis.call('ZADD', key, string.sub(committedAt(), 1, -4), tag)
  stamp.hint = ''
end

-- Appends one event whose JSON after the id and commit instant the caller built ('"type":…}').
local function emitBuilt(stamp, outboxKey, rest)
  if not stamp then return end
  hintOnce(stamp)
  redis.call('RPUSH', outboxKey, '{"id":"' .. eventIdOf(stamp.base, stamp.n) .. '","at":' .. committedAt() .. ',' .. rest)
  stamp.n = stamp.n + 1
end

-- Appends one event about the record at recordKey (its HGETALL when the caller has read it),
-- numbered by the stamp; nothing without a stamp.
local function emit(stamp, outboxKey, recordKey, eventType, timestamp, withSignals, hash)
  if not stamp then return end
  hintOnce(stamp)
  local h = hash or redis.call('HGETALL', recordKey)
  local rec = {}
  for i = 1, #h, 2 do
    if not HIDDEN[h[i]] then
      rec[#rec + 1] = h[i]
      rec[#rec + 1] = h[i + 1]
    end
  end
  local signals = 'null'
  if withSignals then signals = stamp.signals end
  redis.call('RPUSH', outboxKey, '{"id":"' .. eventIdOf(stamp.base, stamp.n) .. '","type":"' .. eventType .. '","ts":' .. timestamp
    .. ',"at":' .. committedAt() .. ',"by":' .. stamp.by .. ',"signals":' .. signals .. ',"rec":' .. cjson.encode(rec) .. '}')
  stamp.n = stamp.n + 1
end
`;

/**
 * KEYS: seq, events, ids, times, time max, time max last ({ev}). ARGV: (id, timestamp, JSON)
 * per event, in the order taken. Numbers each event not seen before (a crash between this and
 * the trim brings them again) with the next seq. → how many it numbered
 */
const FEED = `
local added = 0
local top = tonumber(redis.call('GET', KEYS[6]) or '0')
for i = 1, #ARGV, 3 do
  local id, ts = ARGV[i], tonumber(ARGV[i + 1])
  if redis.call('HEXISTS', KEYS[3], id) == 0 then
    local seq = redis.call('INCR', KEYS[1])
    local padded = string.format('%016.0f', seq)
    redis.call('HSET', KEYS[3], id, string.format('%.0f', seq))
    redis.call('ZADD', KEYS[2], padded, ARGV[i + 2])
    redis.call('ZADD', KEYS[4], ARGV[i + 1], padded .. ' ' .. id)
    if ts > top then top = ts end
    redis.call('ZADD', KEYS[5], string.format('%.0f', top), padded)
    added = added + 1
  end
end
redis.call('SET', KEYS[6], string.format('%.0f', top))
return added
`;

/**
 * KEYS: a tag's outbox. ARGV: the ids taken, in order. Pops them only while the head is the
 * one taken, so a second relay (an expired lock) never pops an event nobody numbered.
 * → what is left in the outbox
 */
const TRIM = `
for _, id in ipairs(ARGV) do
  local head = redis.call('LINDEX', KEYS[1], 0)
  local prefix = '{"id":"' .. id .. '"'
  if not head or string.sub(head, 1, #prefix) ~= prefix then break end
  redis.call('LPOP', KEYS[1])
end
return redis.call('LLEN', KEYS[1])
`;

/**
 * KEYS: the hint. ARGV: (tag, score) pairs of tags found empty: each becomes "drained" (the
 * score negated) unless a writer re-scored it meanwhile.
 */
const MARK_DRAINED = `
for i = 1, #ARGV, 2 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then redis.call('ZADD', KEYS[1], '-' .. ARGV[i + 1], ARGV[i]) end
end
`;

/**
 * KEYS: the hint. ARGV: now, then (tag, score, length now) per drained tag re-checked: a tag
 * still unchanged goes when its outbox is empty, or is pending again when it is not (a writer
 * whose script ran after the relay emptied it).
 */
const SETTLE_DRAINED = `
for i = 2, #ARGV, 3 do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) == ARGV[i + 1] then
    if ARGV[i + 2] == '0' then redis.call('ZREM', KEYS[1], ARGV[i]) else redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i]) end
  end
end
`;

/** KEYS: the relay lock. ARGV: this relay's token. Frees the lock only if this relay still holds it. */
const UNLOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`;

/**
 * KEYS: events, ids, times, time max ({ev}). ARGV: before (ms), limit. Deletes up to limit
 * events whose timestamp is before `before`. → how many
 */
const PURGE_FEED = `
local gone = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1], 'LIMIT', 0, ARGV[2])
for _, m in ipairs(gone) do
  local padded, id = string.match(m, '^(%d+) (.+)$')
  redis.call('ZREMRANGEBYSCORE', KEYS[1], padded, padded)
  redis.call('HDEL', KEYS[2], id)
  redis.call('ZREM', KEYS[3], m)
  redis.call('ZREM', KEYS[4], padded)
end
return #gone
`;

export const OUTBOX_SCRIPTS = {
  sessiondFeed: { numberOfKeys: 6, lua: FEED },
  sessiondTrimOutbox: { numberOfKeys: 1, lua: TRIM },
  sessiondMarkDrained: { numberOfKeys: 1, lua: MARK_DRAINED },
  sessiondSettleDrained: { numberOfKeys: 1, lua: SETTLE_DRAINED },
  sessiondUnlock: { numberOfKeys: 1, lua: UNLOCK },
  sessiondPurgeFeed: { numberOfKeys: 4, lua: PURGE_FEED },
} as const;
