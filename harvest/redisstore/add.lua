-- harvest/redisstore Add: add the deltas to the client's current window
-- and read back both windows and the block, in one atomic step.
-- KEYS[1] current window hash, KEYS[2] previous window hash, KEYS[3] block hash
-- ARGV[1..5] deltas of c m r u e; ARGV[6] TTL of a window hash in ms
local names = {'c', 'm', 'r', 'u', 'e'}
local wrote = false
for i = 1, 5 do
  local d = tonumber(ARGV[i])
  if d ~= 0 then
    redis.call('HINCRBY', KEYS[1], names[i], d)
    wrote = true
  end
end
if wrote then
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
end
local cur = redis.call('HMGET', KEYS[1], 'c', 'm', 'r', 'u', 'e')
local prev = redis.call('HMGET', KEYS[2], 'c', 'm', 'r', 'u', 'e')
local blk = redis.call('HMGET', KEYS[3], 'until', 'off')
return {cur, prev, blk}
