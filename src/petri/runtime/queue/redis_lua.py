"""Lua for the Redis queue: every transition is one script, so it is atomic on the server.

Keys, under the prefix ``P`` = ``petri:{<name>}:`` (one hash slot):

- ``P t:<id>``   hash, the task: state fields plus ``body`` (payload, deps, backoff as JSON)
- ``P keys``     hash, idempotency key -> id
- ``P deps:<id>`` set of tasks that depend on ``<id>``
- ``P lanes``    zset of ``<priority>:<kind>`` lanes, scored by priority
- ``P s:<lane>`` stream of ready tasks of one lane, read through consumer group ``workers``
- ``P delayed``  zset id -> not_before of open tasks not yet due (delays and backoff)
- ``P leased``   zset id -> lease expiry (the reclaim index); a leased task's hash keeps the
                 time its lease was granted in ``lat`` ('' when not leased)
- ``P dead``     zset id -> time of death, ``P counts`` hash status -> number of tasks

A task is ready when its stream entry exists and the hash's ``entry`` field names it; any other
entry a consumer reads is stale (the task moved on) and is acked and dropped.
"""

COMMON = r"""
local P = KEYS[1]
local function tkey(id) return P .. 't:' .. id end

local function move(id, old, new)
  redis.call('HSET', tkey(id), 'status', new)
  redis.call('HINCRBY', P .. 'counts', old, -1)
  redis.call('HINCRBY', P .. 'counts', new, 1)
end

local function drop_entry(id)
  local t = tkey(id)
  local entry = redis.call('HGET', t, 'entry')
  if entry and entry ~= '' then
    local lane = P .. 's:' .. redis.call('HGET', t, 'lane')
    redis.call('XACK', lane, 'workers', entry)
    redis.call('XDEL', lane, entry)
    redis.call('HSET', t, 'entry', '')
  end
end

local function ready(id, now)
  local t = tkey(id)
  local nb = tonumber(redis.call('HGET', t, 'nb'))
  if nb > now then
    redis.call('ZADD', P .. 'delayed', nb, id)
  else
    local lane = redis.call('HGET', t, 'lane')
    local entry = redis.call('XADD', P .. 's:' .. lane, '*', 'id', id)
    redis.call('HSET', t, 'entry', entry)
  end
end

local function holds(id, owner, attempts)
  local s = redis.call('HMGET', tkey(id), 'status', 'owner', 'attempts')
  return s[1] == 'leased' and s[2] == owner and s[3] == attempts
end

local function kill(id, err, tb, now)
  local stack = {{id, err, tb}}
  while #stack > 0 do
    local item = table.remove(stack)
    local t = tkey(item[1])
    local status = redis.call('HGET', t, 'status')
    if status ~= 'done' and status ~= 'dead' then
      drop_entry(item[1])
      move(item[1], status, 'dead')
      redis.call('HSET', t, 'owner', '', 'lat', '', 'err', item[2], 'tb', item[3])
      redis.call('ZREM', P .. 'leased', item[1])
      redis.call('ZREM', P .. 'delayed', item[1])
      redis.call('ZADD', P .. 'dead', now, item[1])
      for _, child in ipairs(redis.call('SMEMBERS', P .. 'deps:' .. item[1])) do
        table.insert(stack, {child, 'dependency ' .. item[1] .. ' is dead', ''})
      end
    end
  end
end
"""

# ARGV: now, then per task: id, kind, priority, key, max_attempts, not_before, deadline,
# enqueued_at, body, ndeps, deps...  Returns the ids (existing ones for known keys), or an
# error reply naming an unknown dependency before anything is written.
ENQUEUE = r"""
local now = tonumber(ARGV[1])
local tasks, i = {}, 2
while i <= #ARGV do
  local task = {id=ARGV[i], kind=ARGV[i+1], prio=ARGV[i+2], key=ARGV[i+3], max=ARGV[i+4],
                nb=ARGV[i+5], dl=ARGV[i+6], at=ARGV[i+7], body=ARGV[i+8], deps={}}
  local n = tonumber(ARGV[i+9])
  for j = 1, n do task.deps[j] = ARGV[i+9+j] end
  table.insert(tasks, task)
  i = i + 10 + n
end
local batch = {}
for _, task in ipairs(tasks) do
  for _, dep in ipairs(task.deps) do
    if not batch[dep] and redis.call('EXISTS', tkey(dep)) == 0 then
      return redis.error_reply('TASKNOTFOUND ' .. dep)
    end
  end
  batch[task.id] = true
end
local ids = {}
for _, task in ipairs(tasks) do
  local known = task.key ~= '' and redis.call('HGET', P .. 'keys', task.key)
  if known then
    table.insert(ids, known)
  else
    if task.key ~= '' then redis.call('HSET', P .. 'keys', task.key, task.id) end
    local lane = task.prio .. ':' .. task.kind
    if redis.call('ZADD', P .. 'lanes', 'NX', task.prio, lane) == 1 then
      redis.pcall('XGROUP', 'CREATE', P .. 's:' .. lane, 'workers', '0', 'MKSTREAM')
    end
    local blocked, dead = 0, nil
    for _, dep in ipairs(task.deps) do
      local st = redis.call('HGET', tkey(dep), 'status')
      if st ~= 'done' then
        blocked = blocked + 1
        redis.call('SADD', P .. 'deps:' .. dep, task.id)
      end
      if st == 'dead' then dead = dep end
    end
    redis.call('HSET', tkey(task.id), 'id', task.id, 'kind', task.kind, 'prio', task.prio,
      'key', task.key, 'max', task.max, 'nb', task.nb, 'dl', task.dl, 'at', task.at,
      'body', task.body, 'lane', lane, 'status', 'pending', 'attempts', '0', 'blocked', blocked,
      'owner', '', 'exp', '', 'lat', '', 'err', '', 'tb', '', 'entry', '')
    redis.call('HINCRBY', P .. 'counts', 'pending', 1)
    if dead then
      kill(task.id, 'dependency ' .. dead .. ' is dead', '', now)
    elseif blocked == 0 then
      ready(task.id, now)
    end
    table.insert(ids, task.id)
  end
end
return ids
"""

# ARGV: now, until, consumer, n, nkinds, kinds...  Returns {leased task hashes, buried pairs}.
LEASE = r"""
local now, untilv, consumer, n = tonumber(ARGV[1]), ARGV[2], ARGV[3], tonumber(ARGV[4])
local kinds = nil
if tonumber(ARGV[5]) > 0 then
  kinds = {}
  for j = 1, tonumber(ARGV[5]) do kinds[ARGV[5 + j]] = true end
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'leased', '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', P .. 'leased', id)
  drop_entry(id)
  move(id, 'leased', 'pending')
  redis.call('HSET', tkey(id), 'owner', '', 'exp', '', 'lat', '')
  ready(id, now)
end
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'delayed', '-inf', now, 'LIMIT', 0, 1000)) do
  redis.call('ZREM', P .. 'delayed', id)
  ready(id, now)
end
local leased, buried = {}, {}
local function take(lane, entry, id)
  local t = tkey(id)
  local s = redis.call('HMGET', t, 'status', 'entry', 'dl', 'attempts', 'max')
  local reason = nil
  if (s[1] ~= 'pending' and s[1] ~= 'failed') or s[2] ~= entry then
    redis.call('XACK', P .. 's:' .. lane, 'workers', entry)
    redis.call('XDEL', P .. 's:' .. lane, entry)
    return
  elseif s[3] ~= '' and tonumber(s[3]) < now then
    reason = 'deadline passed'
  elseif tonumber(s[4]) >= tonumber(s[5]) then
    reason = 'lease expired after ' .. s[4] .. ' attempt(s)'
  end
  if reason then
    kill(id, reason, '', now)
    table.insert(buried, {id, reason})
    return
  end
  move(id, s[1], 'leased')
  redis.call('HSET', t, 'owner', consumer, 'exp', untilv, 'lat', ARGV[1])
  redis.call('HINCRBY', t, 'attempts', 1)
  redis.call('ZADD', P .. 'leased', untilv, id)
  table.insert(leased, redis.call('HGETALL', t))
end
for _, lane in ipairs(redis.call('ZREVRANGE', P .. 'lanes', 0, -1)) do
  if #leased >= n then break end
  local kind = string.sub(lane, string.find(lane, ':', 1, true) + 1)
  local more = kinds == nil or kinds[kind]
  while more and #leased < n do
    local got = redis.call('XREADGROUP', 'GROUP', 'workers', consumer, 'COUNT', n - #leased,
                           'STREAMS', P .. 's:' .. lane, '>')
    more = got and #got[1][2] > 0
    if more then
      for _, e in ipairs(got[1][2]) do take(lane, e[1], e[2][2]) end
    end
  end
end
return {leased, buried}
"""

# ARGV: id, owner, attempts, until
HEARTBEAT = r"""
if not holds(ARGV[1], ARGV[2], ARGV[3]) then return 0 end
redis.call('HSET', tkey(ARGV[1]), 'exp', ARGV[4])
redis.call('ZADD', P .. 'leased', ARGV[4], ARGV[1])
return 1
"""

# ARGV: now, then (id, owner, attempts) per task. Returns one 0/1 flag per task.
ACK = r"""
local now, flags = tonumber(ARGV[1]), {}
for i = 2, #ARGV, 3 do
  local id = ARGV[i]
  if holds(id, ARGV[i + 1], ARGV[i + 2]) then
    drop_entry(id)
    redis.call('ZREM', P .. 'leased', id)
    move(id, 'leased', 'done')
    redis.call('HSET', tkey(id), 'owner', '', 'exp', '', 'lat', '')
    for _, child in ipairs(redis.call('SMEMBERS', P .. 'deps:' .. id)) do
      if redis.call('HINCRBY', tkey(child), 'blocked', -1) == 0 then
        local st = redis.call('HGET', tkey(child), 'status')
        if st == 'pending' or st == 'failed' then ready(child, now) end
      end
    end
    table.insert(flags, 1)
  else
    table.insert(flags, 0)
  end
end
return flags
"""

# ARGV: id, owner, attempts, not_before, error, traceback, now
RETRY = r"""
local id = ARGV[1]
if not holds(id, ARGV[2], ARGV[3]) then return 0 end
drop_entry(id)
redis.call('ZREM', P .. 'leased', id)
move(id, 'leased', 'failed')
redis.call('HSET', tkey(id), 'owner', '', 'exp', '', 'lat', '', 'nb', ARGV[4], 'err', ARGV[5],
  'tb', ARGV[6])
ready(id, tonumber(ARGV[7]))
return 1
"""

# ARGV: id, owner, attempts, error, traceback, now
BURY = r"""
if not holds(ARGV[1], ARGV[2], ARGV[3]) then return 0 end
kill(ARGV[1], ARGV[4], ARGV[5], tonumber(ARGV[6]))
return 1
"""

# ARGV: now, ids...  Returns how many dead tasks were reset.
REDRIVE = r"""
local now, revived = tonumber(ARGV[1]), {}
for i = 2, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', tkey(id), 'status') == 'dead' then
    move(id, 'dead', 'pending')
    redis.call('HSET', tkey(id), 'attempts', 0, 'nb', ARGV[1], 'owner', '', 'exp', '')
    redis.call('ZREM', P .. 'dead', id)
    table.insert(revived, id)
  end
end
for _, id in ipairs(revived) do
  local deps = cjson.decode(redis.call('HGET', tkey(id), 'body'))['depends_on']
  local blocked, dead = 0, nil
  for _, dep in ipairs(deps) do
    local st = redis.call('HGET', tkey(dep), 'status')
    if st ~= 'done' then blocked = blocked + 1 end
    if st == 'dead' then dead = dep end
  end
  redis.call('HSET', tkey(id), 'blocked', blocked)
  if dead then
    kill(id, 'dependency ' .. dead .. ' is dead', '', now)
  elseif blocked == 0 and redis.call('HGET', tkey(id), 'status') == 'pending' then
    ready(id, now)
  end
end
return #revived
"""

# ARGV: now. Returns the ``lat`` of every lease unexpired at ``now``, read through the reclaim
# index (so O(leases), not O(tasks)); hashes written before ``lat`` existed are skipped.
LEASE_STARTS = r"""
local starts = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', P .. 'leased', '(' .. ARGV[1], '+inf')) do
  local at = redis.call('HGET', tkey(id), 'lat')
  if at and at ~= '' then table.insert(starts, at) end
end
return starts
"""
