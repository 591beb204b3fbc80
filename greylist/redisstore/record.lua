-- The Lua twin of greylist.Request.Apply (greylist/store.go): keep the
-- two in step; greylist/greylisttest runs the same cases on both.
--
-- One run applies a batch of checks, in order, each as Apply does: the
-- checks of concurrent Records go to Redis in one EVALSHA (one command,
-- one round trip; see pipeline.go).
--
-- KEYS:   per check, the client's key and the triplet's key (the
--         client's again for a client-only request)
-- ARGV[1]: per check, 9 little-endian doubles: now, delay, retry window,
--         max age, auto-allow after, trap, auto-allow interval, clock
--         skew (milliseconds, counts) and 1 when the check has a
--         triplet, else 0
-- Reply:  per check, 6 little-endian doubles: result (0 none, 1 pass,
--         2 greylisted, 3 allowlisted, 4 trapped, 5 a write refused),
--         first, until, passed (0/1), count, new (0/1); times in Unix
--         milliseconds, 0 for none; then the server's reason for the
--         first write refused, if any (text)
--
-- A write the server refuses (out of memory, a read-only replica,
-- MISCONF) fails its check alone (result 5), not the script: the
-- other checks of the batch, which may need no write, are answered.
--
-- Records are strings of little-endian doubles (numbers are packed and
-- unpacked with the struct library, never formatted or parsed as
-- decimal text, which costs more than the rest of the script): a
-- client's is count, counted, seen, trapped until, expires (40 bytes);
-- a triplet's is first, last, expires, passed (32 bytes). A value of
-- another type or length (a record of an older format, another
-- program's key), or one holding a value that is no whole number from 0
-- to 2^53 (NaN, an infinity, a fraction: a corrupted or foreign value),
-- is taken as absent and replaced: MGET answers nil for a key that is
-- not a string, and SET replaces any type. Such a value written back
-- would be a TTL SET refuses ("inf" milliseconds), an error failing
-- every check of the batch. Each record is written with a TTL (PX) up
-- to its expiry, on the server's clock.
local args = ARGV[1]
local pos = 1
local out = {}
local pack, unpack = struct.pack, struct.unpack
local call, rpcall = redis.call, redis.pcall
local refused = '' -- the first write refused's reason

-- set writes a record, and reports whether the server took it.
local function set(key, rec, ttl)
  local r = rpcall('SET', key, rec, 'PX', ttl)
  if type(r) == 'table' and r.err then
    if refused == '' then
      refused = r.err
    end
    return false
  end
  return true
end

-- whole reports whether x is a whole number from 0 to 2^53 (false for
-- NaN and the infinities).
local function whole(x)
  return x >= 0 and x <= 9007199254740992 and x % 1 == 0
end

for i = 1, #KEYS / 2 do
  local ckey, tkey = KEYS[2 * i - 1], KEYS[2 * i]
  local now, delay, window, maxage, awl, trap, hour, skew, hast
  now, delay, window, maxage, awl, trap, hour, skew, hast, pos = unpack('<ddddddddd', args, pos)
  local v
  if hast == 1 then
    v = call('MGET', ckey, tkey)
  else
    v = call('MGET', ckey)
  end

  local cn, ck, cs, cx, ce = 0, 0, 0, 0, 0
  local cv = v[1]
  if cv and #cv == 40 then
    cn, ck, cs, cx, ce = unpack('<ddddd', cv)
    if not (whole(cn) and whole(ck) and whole(cs) and whole(cx) and whole(ce))
      or (ce ~= 0 and now > ce) then
      cn, ck, cs, cx, ce = 0, 0, 0, 0, 0
    end
  end
  local ok = true -- every write of this check taken
  local function putc()
    ok = set(ckey, pack('<ddddd', cn, ck, cs, cx, ce), math.max(ce - now + 1, 1)) and ok
  end

  -- result, first, until, passed, count, new
  local r, f, u, p, n = 0, 0, 0, 0, 0
  if cx > now then
    r, u = 4, cx
  elseif awl > 0 and cn >= awl then
    if now - cs >= hour or cs > now + skew then
      cs = now
      ce = math.max(now + maxage, cx)
      putc()
    end
    r = 3
  elseif trap > 0 then
    cx = now + trap
    ce = math.max(ce, cx)
    putc()
    r, u = 4, cx
  elseif hast == 1 then
    local tf, tl, te, tp = 0, 0, 0, 0
    local tv = v[2]
    if tv and #tv == 32 then
      tf, tl, te, tp = unpack('<dddd', tv)
      if not (whole(tf) and whole(tl) and whole(te) and whole(tp))
        or (te ~= 0 and now > te) then
        tf, tl, te, tp = 0, 0, 0, 0
      end
    end
    local function putt()
      ok = set(tkey, pack('<dddd', tf, tl, te, tp), math.max(te - now + 1, 1)) and ok
    end
    if te == 0 or tf > now + skew then
      tf, tl, te, tp = now, now, now + window, 0
      putt()
      r, f, u, n = 2, tf, tf + delay, 1
    elseif tp == 1 then
      if now - tl >= hour or tl > now + skew then
        tl = now
        te = now + maxage
        putt()
      end
      r, f = 1, tf
    elseif now - tf < delay then
      r, f, u = 2, tf, tf + delay
    else
      tp, tl, te = 1, now, now + maxage
      putt()
      r, f, p = 1, tf, 1
      if awl > 0 and (cn == 0 or now - ck >= hour or ck > now + skew) then
        cn = cn + 1
        ck, cs = now, now
        ce = math.max(now + maxage, cx)
        putc()
      end
    end
  end
  if not ok then
    r, f, u, p, cn, n = 5, 0, 0, 0, 0, 0
  end
  out[i] = pack('<dddddd', r, f, u, p, cn, n)
end
out[#out + 1] = refused
return table.concat(out)
