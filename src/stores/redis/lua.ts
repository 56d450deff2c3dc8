/**
 * The Lua scripts behind every write about one user. Each runs atomically over keys of
 * one hash slot (see keys.ts): KEYS are that session's record, activity list and user
 * index; sibling records of the same user are reached through the record/activity key
 * prefixes passed in ARGV, which stay inside the same `{tag}`.
 *
 * Lua only writes scalar fields (status, end_reason, ended_at, updated_at, revoked_at,
 * version) and HSETs strings encoded in codec.ts as they are; field names are codec.ts's.
 * Instants travel as decimal strings and are written back as received, never reformatted.
 *
 * A write given an event stamp also appends its events to the tag's outbox (outbox-lua.ts),
 * declared as one more KEY; its stamp is four ARGV (id base, initiator, signals, hint; see
 * outbox.ts's stampArgs; '' = none).
 */
import { EMIT_LUA, OUTBOX_SCRIPTS } from "./outbox-lua.js";
import { SESSION_LIMIT_LUA } from "./session-limit.js";
import { WEBHOOK_SCRIPTS } from "./webhook-lua.js";

const PRELUDE = `
local LIVE = { pending = true, active = true }

local function num(v)
  if v then return tonumber(v) end
  return nil
end

local function int(n)
  return string.format('%.0f', n)
end

-- The status as of now: must equal effectiveStatus() in src/core/deadlines.ts.
local function effective(status, expireAt, abandonAt, now)
  if not LIVE[status] then return status end
  if abandonAt and abandonAt <= now and abandonAt < expireAt then return 'abandoned' end
  if expireAt <= now then return 'expired' end
  return status
end

-- The earliest deadline of a live session, as stored (expire_at or abandon_at).
local function deadlineOf(expireAt, abandonAt)
  if abandonAt and tonumber(abandonAt) < tonumber(expireAt) then return abandonAt end
  return expireAt
end

-- When Redis may drop a record: its end (terminal) or earliest deadline (live), plus the retention.
local function expiryOf(key, retention)
  local f = redis.call('HMGET', key, 'status', 'expire_at', 'abandon_at', 'ended_at', 'updated_at')
  if LIVE[f[1]] then return tonumber(deadlineOf(f[2], f[3] or nil)) + retention end
  return tonumber(f[4] or f[5]) + retention
end

-- Re-arms a record's and its history's expiry; the user index scores each member by it.
local function keep(recordKey, activityKey, indexKey, id, retention)
  local at = int(expiryOf(recordKey, retention))
  redis.call('PEXPIREAT', recordKey, at)
  redis.call('PEXPIREAT', activityKey, at)
  if indexKey then redis.call('ZADD', indexKey, at, id) end
end

-- The user index lives as long as its longest-lived member.
local function keepIndex(indexKey)
  local top = redis.call('ZRANGE', indexKey, -1, -1, 'WITHSCORES')
  if top[2] then redis.call('PEXPIREAT', indexKey, top[2]) end
end

-- Drops index members whose record expired away, so the index never keeps them forever.
local function dropDead(indexKey, recordPrefix)
  for _, id in ipairs(redis.call('ZRANGE', indexKey, 0, -1)) do
    if redis.call('EXISTS', recordPrefix .. id) == 0 then redis.call('ZREM', indexKey, id) end
  end
end

local function finish(key, status, reason, at)
  redis.call('HSET', key, 'status', status, 'end_reason', reason, 'ended_at', at, 'updated_at', at)
  if status == 'revoked' then redis.call('HSET', key, 'revoked_at', at) end
  redis.call('HINCRBY', key, 'version', 1)
end

${SESSION_LIMIT_LUA}
${EMIT_LUA}
local function owner(f, tenant, user)
  if f[1] ~= tenant or f[2] ~= user then error('session owner does not match its user index key') end
end

-- HDEL the count fields from ARGV[from], then HSET the pairs after them.
local function apply(key, from)
  local unset = tonumber(ARGV[from])
  if unset > 0 then redis.call('HDEL', key, unpack(ARGV, from + 1, from + unset)) end
  if #ARGV > from + unset then redis.call('HSET', key, unpack(ARGV, from + unset + 1)) end
end
`;

/**
 * KEYS: record, activities, user index, replaced record, replaced activities (the new
 * record's own keys when nothing is replaced), outbox.
 * ARGV: id, now, retention, max active ('' = no limit), record prefix, activity prefix,
 * first activity JSON (''), replaced id (''), tenant, user, stamp (4), the new record's
 * event built by the caller (it knows the record whole), then HSET pairs. Events: replaced,
 * removed (limit), then the new record's.
 * → {'conflict'} | {'ok', evicted ids, replaced 0|1}
 */
const INSERT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return { 'conflict' } end
local id, nowText, retention = ARGV[1], ARGV[2], tonumber(ARGV[3])
local stamp = stampAt(11)
dropDead(KEYS[3], ARGV[5])
local replaced = 0
if ARGV[8] ~= '' then
  local f = redis.call('HMGET', KEYS[4], 'tenant_id', 'user_id', 'status', 'expire_at', 'abandon_at', 'is_deleted')
  if f[3] and f[1] == ARGV[9] and f[2] == ARGV[10] and f[6] ~= '1' and LIVE[f[3]]
    and effective(f[3], tonumber(f[4]), num(f[5]), tonumber(nowText)) == f[3] then
    finish(KEYS[4], 'replaced', 'replaced', nowText)
    keep(KEYS[4], KEYS[5], KEYS[3], ARGV[8], retention)
    emit(stamp, KEYS[6], KEYS[4], 'session.replaced', nowText, false)
    replaced = 1
  end
end
local evicted = {}
if ARGV[4] ~= '' then evicted = evict(KEYS[3], ARGV[5], ARGV[6], id, tonumber(ARGV[4]), nowText, retention) end
for _, victim in ipairs(evicted) do emit(stamp, KEYS[6], ARGV[5] .. victim, 'session.removed', nowText, false) end
redis.call('HSET', KEYS[1], unpack(ARGV, 16))
if ARGV[7] ~= '' then redis.call('LPUSH', KEYS[2], ARGV[7]) end
keep(KEYS[1], KEYS[2], KEYS[3], id, retention)
keepIndex(KEYS[3])
emitBuilt(stamp, KEYS[6], ARGV[15])
return { 'ok', evicted, replaced }
`;

/**
 * KEYS: record, activities, user index, outbox.
 * ARGV: id, expected version, tenant, user, retention, record prefix, activity prefix,
 * max active ('' = no eviction), now, stamp (4), the change's timestamp, its event types
 * (comma-separated), then the unset count, unset fields, HSET pairs.
 * → {'not_found'} | {'conflict'} | {'ok', evicted ids, HGETALL of the new record}
 */
const UPDATE = `
local f = redis.call('HMGET', KEYS[1], 'version', 'tenant_id', 'user_id', 'status')
if not f[1] then return { 'not_found' } end
if f[1] ~= ARGV[2] then return { 'conflict' } end
owner({ f[2], f[3] }, ARGV[3], ARGV[4])
local retention = tonumber(ARGV[5])
local stamp = stampAt(10)
local evicted = {}
if ARGV[8] ~= '' and f[4] ~= 'active' then
  evicted = evict(KEYS[3], ARGV[6], ARGV[7], ARGV[1], tonumber(ARGV[8]), ARGV[9], retention)
end
for _, victim in ipairs(evicted) do emit(stamp, KEYS[4], ARGV[6] .. victim, 'session.removed', ARGV[9], false) end
apply(KEYS[1], 16)
redis.call('HINCRBY', KEYS[1], 'version', 1)
keep(KEYS[1], KEYS[2], KEYS[3], ARGV[1], retention)
keepIndex(KEYS[3])
local after = redis.call('HGETALL', KEYS[1])
for eventType in string.gmatch(ARGV[15], '[^,]+') do emit(stamp, KEYS[4], KEYS[1], eventType, ARGV[14], false, after) end
return { 'ok', evicted, after }
`;

/**
 * KEYS: record, activities, user index, outbox.
 * ARGV: id, tenant, user, retention, new last_active_at, history limit, activity JSON,
 * stamp (4), then the unset count, unset fields, HSET pairs. Never touches status or version.
 * → 1 written | 0 not (gone, terminal, deleted or older than what is stored)
 */
const ACTIVITY = `
local f = redis.call('HMGET', KEYS[1], 'status', 'is_deleted', 'last_active_at', 'tenant_id', 'user_id')
if not LIVE[f[1]] or f[2] == '1' or tonumber(f[3]) > tonumber(ARGV[5]) then return 0 end
owner({ f[4], f[5] }, ARGV[2], ARGV[3])
apply(KEYS[1], 12)
local limit = tonumber(ARGV[6])
-- A retried batch brings an activity that is stored already: neither it nor its event is appended twice.
if redis.call('LINDEX', KEYS[2], 0) ~= ARGV[7] then
  redis.call('LPUSH', KEYS[2], ARGV[7])
  emit(stampAt(8), KEYS[4], KEYS[1], 'session.activity_changed', ARGV[5], true)
end
if limit > 0 then redis.call('LTRIM', KEYS[2], 0, limit - 1) else redis.call('DEL', KEYS[2]) end
keep(KEYS[1], KEYS[2], KEYS[3], ARGV[1], tonumber(ARGV[4]))
keepIndex(KEYS[3])
return 1
`;

/**
 * KEYS: user index, outbox.
 * ARGV: tenant, user, except id (''), now, status, end reason, ended at, retention,
 * record prefix, activity prefix, stamp (4), the ended sessions' event type.
 * → ids ended
 */
const END_MANY = `
local retention, now = tonumber(ARGV[8]), tonumber(ARGV[4])
local stamp = stampAt(11)
dropDead(KEYS[1], ARGV[9])
local ended = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[3] then
    local key = ARGV[9] .. id
    local f = redis.call('HMGET', key, 'tenant_id', 'user_id', 'status', 'expire_at', 'abandon_at', 'is_deleted')
    if f[1] == ARGV[1] and f[2] == ARGV[2] and f[6] ~= '1' and LIVE[f[3]]
      and effective(f[3], tonumber(f[4]), num(f[5]), now) == f[3] then
      finish(key, ARGV[5], ARGV[6], ARGV[7])
      keep(key, ARGV[10] .. id, KEYS[1], id, retention)
      emit(stamp, KEYS[2], key, ARGV[15], ARGV[7], false)
      ended[#ended + 1] = id
    end
  end
end
keepIndex(KEYS[1])
return ended
`;

/**
 * The sweeper's deadline write. KEYS: record, activities, outbox. ARGV: now, retention,
 * stamp (4), the number of its event within the sweep's stamp.
 * ended_at is the passed deadline, which is also the earliest deadline the expiry was
 * armed with, so the record's expiry and the user index do not change.
 * → {'gone'} | {'terminal', ended_at} | {'live', deadline} | {'written', status, ended_at}
 */
const EXPIRE = `
local f = redis.call('HMGET', KEYS[1], 'status', 'expire_at', 'abandon_at', 'ended_at', 'updated_at')
if not f[1] then return { 'gone' } end
if not LIVE[f[1]] then return { 'terminal', f[4] or f[5] } end
local status = effective(f[1], tonumber(f[2]), num(f[3]), tonumber(ARGV[1]))
if LIVE[status] then return { 'live', deadlineOf(f[2], f[3] or nil) } end
local endedAt = f[2]
if status == 'abandoned' then endedAt = f[3] end
redis.call('HSET', KEYS[1], 'status', status, 'end_reason', status, 'ended_at', endedAt, 'updated_at', ARGV[1])
redis.call('HINCRBY', KEYS[1], 'version', 1)
keep(KEYS[1], KEYS[2], false, nil, tonumber(ARGV[2]))
emit(stampAt(3, tonumber(ARGV[7])), KEYS[3], KEYS[1], 'session.' .. status, endedAt, false)
return { 'written', status, endedAt }
`;

/**
 * The sweeper's purge. KEYS: record, activities, user index. ARGV: id, purge ended
 * before, tenant, user.
 * → {'gone'} | {'live', deadline} | {'terminal', ended_at} (kept) | {'purged'}
 */
const PURGE = `
local f = redis.call('HMGET', KEYS[1], 'tenant_id', 'user_id', 'status', 'expire_at', 'abandon_at', 'ended_at', 'updated_at')
if not f[3] then
  redis.call('ZREM', KEYS[3], ARGV[1])
  return { 'gone' }
end
owner(f, ARGV[3], ARGV[4])
if LIVE[f[3]] then return { 'live', deadlineOf(f[4], f[5] or nil) } end
local endedAt = f[6] or f[7]
if tonumber(endedAt) >= tonumber(ARGV[2]) then return { 'terminal', endedAt } end
redis.call('DEL', KEYS[1], KEYS[2])
redis.call('ZREM', KEYS[3], ARGV[1])
keepIndex(KEYS[3])
return { 'purged' }
`;

/** The scripts as ioredis custom commands (EVALSHA, falling back to EVAL once per node). */
export const SCRIPTS = {
  sessiondInsert: { numberOfKeys: 6, lua: PRELUDE + INSERT },
  sessiondUpdate: { numberOfKeys: 4, lua: PRELUDE + UPDATE },
  sessiondActivity: { numberOfKeys: 4, lua: PRELUDE + ACTIVITY },
  sessiondEndMany: { numberOfKeys: 2, lua: PRELUDE + END_MANY },
  sessiondExpire: { numberOfKeys: 3, lua: PRELUDE + EXPIRE },
  sessiondPurge: { numberOfKeys: 3, lua: PRELUDE + PURGE },
  ...OUTBOX_SCRIPTS,
  ...WEBHOOK_SCRIPTS,
} as const;

type Arg = string | number;

/** The client methods {@link SCRIPTS} add. */
export type ScriptCommands = { [name in keyof typeof SCRIPTS]: (...args: Arg[]) => Promise<unknown> };
