/**
 * The signals of a sign-in (SPEC §9) in one round trip: a script over the user's index and
 * records, all in the user's slot, compares their latest activity with the new one (the rule of
 * `SessionStore.seenBefore`: another non-deleted session; nulls equal for the device, never for
 * the country or the browser). ARGV: record prefix, except id, then device type, OS, browser
 * and country, each '' for unknown (an empty value is never stored: the enricher gives null).
 */
const SEEN = `
local function field(activity, name)
  local v = activity[name]
  if v == nil or v == cjson.null then return '' end
  return v
end
local device, country, browser = 0, 0, 0
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if id ~= ARGV[2] then
    local f = redis.call('HMGET', ARGV[1] .. id, 'is_deleted', 'latest_activity')
    if f[1] and f[1] ~= '1' and f[2] and f[2] ~= '' and f[2] ~= 'null' then
      local a = cjson.decode(f[2])
      if field(a, 'deviceType') == ARGV[3] and field(a, 'osName') == ARGV[4] and field(a, 'browserName') == ARGV[5] then device = 1 end
      if ARGV[6] ~= '' and field(a, 'country') == ARGV[6] then country = 1 end
      if ARGV[5] ~= '' and field(a, 'browserName') == ARGV[5] then browser = 1 end
    end
  end
end
return { device, country, browser }
`;

export const SEEN_SCRIPTS = {
  sessiondSeen: { numberOfKeys: 1, lua: SEEN },
} as const;
