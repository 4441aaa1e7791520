"""The gate's Redis keys and Lua scripts; each script runs atomically in Redis.

    shop:flash:v1:stock:<product id>    units the gate may still let through (a number)
    shop:flash:v1:hold:<order ref>      what an order took from the counters: {product id: qty}
    shop:flash:v1:pending:<product id>  orders taken from the counter whose reservation has
                                        not reached the database yet: {order ref: deadline}

The pending set is what lets the counters be set from the database while a sale runs: a
database level read while some takes are still on their way to it does not count them yet,
so the counter is that level minus what is pending (``RECONCILE``). A pending entry whose
process died never completes: it counts no more after its deadline.
"""

from __future__ import annotations

PREFIX = "shop:flash:v1:"


def counter_key(product_id: int) -> str:
    return f"{PREFIX}stock:{product_id}"


def hold_key(order_ref: str) -> str:
    return f"{PREFIX}hold:{order_ref}"


def pending_key(product_id: int) -> str:
    return f"{PREFIX}pending:{product_id}"


# KEYS: the hold, then each line's counter, then each line's pending set (same order).
# ARGV: hold TTL, order ref, pending deadline, then each line's product id and quantity.
# 1: taken (or taken before by this order); 0: a counter is missing; -i: line i is short.
TAKE = """
local lines = (#KEYS - 1) / 2
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
for i = 1, lines do
  local left = redis.call('GET', KEYS[1 + i])
  if not left then return 0 end
  if tonumber(left) < tonumber(ARGV[3 + 2 * i]) then return -i end
end
for i = 1, lines do
  local qty = ARGV[3 + 2 * i]
  redis.call('DECRBY', KEYS[1 + i], qty)
  redis.call('HSET', KEYS[1], ARGV[2 + 2 * i], qty)
  redis.call('ZADD', KEYS[1 + lines + i], ARGV[3], ARGV[2])
end
redis.call('EXPIRE', KEYS[1], ARGV[1])
return 1
"""

# The reservation reached the database: it is no longer pending. KEYS: the hold.
# ARGV: prefix, order ref.
DONE = """
for _, pid in ipairs(redis.call('HKEYS', KEYS[1])) do
  redis.call('ZREM', ARGV[1] .. 'pending:' .. pid, ARGV[2])
end
return 1
"""

# Give the hold back to the counters still there, once; all of it, except one unit of the
# line the database refused (ARGV[3], '' for none): the database said that counter was too
# high, and one unit less is never below the truth. KEYS: the hold. ARGV: prefix, order
# ref, refused product id.
GIVE_BACK = """
local held = redis.call('HGETALL', KEYS[1])
for i = 1, #held, 2 do
  local pid, qty = held[i], tonumber(held[i + 1])
  if pid == ARGV[3] then qty = qty - 1 end
  local counter = ARGV[1] .. 'stock:' .. pid
  if qty > 0 and redis.call('EXISTS', counter) == 1 then redis.call('INCRBY', counter, qty) end
  redis.call('ZREM', ARGV[1] .. 'pending:' .. pid, ARGV[2])
end
return redis.call('DEL', KEYS[1])
"""

# Set each counter to the database's level minus the units still pending for it.
# KEYS: nothing. ARGV: prefix, now, then each product id and its level.
RECONCILE = """
for i = 3, #ARGV, 2 do
  local pid, level = ARGV[i], tonumber(ARGV[i + 1])
  local pending = ARGV[1] .. 'pending:' .. pid
  redis.call('ZREMRANGEBYSCORE', pending, '-inf', ARGV[2])
  for _, ref in ipairs(redis.call('ZRANGE', pending, 0, -1)) do
    level = level - tonumber(redis.call('HGET', ARGV[1] .. 'hold:' .. ref, pid) or 0)
  end
  redis.call('SET', ARGV[1] .. 'stock:' .. pid, math.max(level, 0))
end
return 1
"""
