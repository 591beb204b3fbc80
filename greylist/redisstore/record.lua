-- The Lua twin of greylist.Request.Apply (greylist/store.go): keep the
-- two in step; greylist/greylisttest runs the same cases on both.
--
-- KEYS[1]: the client's hash (n: count, k: counted, s: seen,
--          x: trapped until, e: expires)
-- KEYS[2]: the triplet's hash (f: first, l: last, e: expires,
--          p: passed 0/1); absent for a client-only request
-- ARGV:    now, delay, retry window, max age, auto-allow after, trap,
--          auto-allow interval, clock skew (milliseconds, counts)
-- Reply:   {result, first, until, passed, count, new}
local now = tonumber(ARGV[1])
local delay = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local maxage = tonumber(ARGV[4])
local awl = tonumber(ARGV[5])
local trap = tonumber(ARGV[6])
local hour = tonumber(ARGV[7])
local skew = tonumber(ARGV[8])

local function int(v)
  return string.format('%.0f', v)
end

local cv = redis.call('HMGET', KEYS[1], 'n', 'k', 's', 'x', 'e')
local cn = tonumber(cv[1]) or 0
local ck = tonumber(cv[2]) or 0
local cs = tonumber(cv[3]) or 0
local cx = tonumber(cv[4]) or 0
local ce = tonumber(cv[5]) or 0
if ce ~= 0 and now > ce then
  cn, ck, cs, cx, ce = 0, 0, 0, 0, 0
end

local function putc()
  redis.call('HSET', KEYS[1], 'n', int(cn), 'k', int(ck), 's', int(cs), 'x', int(cx), 'e', int(ce))
  redis.call('PEXPIRE', KEYS[1], int(math.max(ce - now + 1, 1)))
end

if cx > now then
  return {'trapped', 0, int(cx), 0, int(cn), 0}
end
if awl > 0 and cn >= awl then
  if now - cs >= hour or cs > now + skew then
    cs = now
    ce = math.max(now + maxage, cx)
    putc()
  end
  return {'allowlisted', 0, 0, 0, int(cn), 0}
end
if trap > 0 then
  cx = now + trap
  ce = math.max(ce, cx)
  putc()
  return {'trapped', 0, int(cx), 0, int(cn), 0}
end
if #KEYS < 2 then
  return {'', 0, 0, 0, int(cn), 0}
end

local tv = redis.call('HMGET', KEYS[2], 'f', 'l', 'e', 'p')
local tf = tonumber(tv[1]) or 0
local tl = tonumber(tv[2]) or 0
local te = tonumber(tv[3]) or 0
local tp = tv[4] == '1'
if te ~= 0 and now > te then
  tf, tl, te, tp = 0, 0, 0, false
end

local function putt()
  redis.call('HSET', KEYS[2], 'f', int(tf), 'l', int(tl), 'e', int(te), 'p', tp and '1' or '0')
  redis.call('PEXPIRE', KEYS[2], int(math.max(te - now + 1, 1)))
end

if te == 0 or tf > now + skew then
  tf, tl, te, tp = now, now, now + window, false
  putt()
  return {'greylisted', int(tf), int(tf + delay), 0, int(cn), 1}
end
if tp then
  if now - tl >= hour or tl > now + skew then
    tl = now
    te = now + maxage
    putt()
  end
  return {'pass', int(tf), 0, 0, int(cn), 0}
end
if now - tf < delay then
  return {'greylisted', int(tf), int(tf + delay), 0, int(cn), 0}
end
tp, tl, te = true, now, now + maxage
putt()
if awl > 0 and (cn == 0 or now - ck >= hour or ck > now + skew) then
  cn = cn + 1
  ck, cs = now, now
  ce = math.max(now + maxage, cx)
  putc()
end
return {'pass', int(tf), 0, 1, int(cn), 0}
