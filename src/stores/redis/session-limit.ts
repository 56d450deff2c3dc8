/**
 * The per-user limit in the Redis store (SPEC §3, the rule in src/core/session-limit.ts): a
 * Lua function of the scripts in lua.ts, so the eviction runs inside the same atomic script
 * as the insert or activation that needs the room, over keys of the user's one slot. It uses
 * the helpers lua.ts defines before it (effective, num, finish, keep).
 */
export const SESSION_LIMIT_LUA = `
-- Ends the user's least recently active effectively-active sessions (ties: older created_at,
-- then id) so that at most max - 1 remain besides exceptId: the order of memory/sessions.ts.
local function evict(indexKey, recordPrefix, activityPrefix, exceptId, max, nowText, retention)
  local now = tonumber(nowText)
  local active = {}
  for _, id in ipairs(redis.call('ZRANGE', indexKey, 0, -1)) do
    if id ~= exceptId then
      local f = redis.call('HMGET', recordPrefix .. id, 'status', 'expire_at', 'abandon_at', 'is_deleted', 'last_active_at', 'created_at')
      if f[1] and f[4] ~= '1' and effective(f[1], tonumber(f[2]), num(f[3]), now) == 'active' then
        active[#active + 1] = { id = id, last = tonumber(f[5]), created = tonumber(f[6]) }
      end
    end
  end
  table.sort(active, function(a, b)
    if a.last ~= b.last then return a.last < b.last end
    if a.created ~= b.created then return a.created < b.created end
    return a.id < b.id
  end)
  local victims = {}
  for i = 1, math.min(#active, #active - (max - 1)) do
    local id = active[i].id
    finish(recordPrefix .. id, 'removed', 'session_limit', nowText)
    keep(recordPrefix .. id, activityPrefix .. id, indexKey, id, retention)
    victims[#victims + 1] = id
  end
  return victims
end
`;
