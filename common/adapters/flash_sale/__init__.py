"""The flash-sale gate: an ``Inventory`` in front of the real one that answers "sold out"
from Redis, without a call to the inventory or its database, once a product's stock is gone.

In a flash sale thousands of buyers want the few units of one product at once. Every
reservation that reaches the database queues on the same row lock (the conditional
``UPDATE ... WHERE stock >= qty``), and after the stock is gone every one of them still
waits its turn only to be told "no". The gate keeps, per product, a counter of the units it
may still let through, and takes a reservation's lines from the counters in one Lua script
(all lines or none, atomically: two buyers never both take the last unit). Only what the
counters allow goes on to the database, which stays the guard: its conditional update alone
decides what is sold, so a counter that is wrong costs a database round trip or a sale, and
never oversells.

* ``gate.py``      the decorator: take, then reserve; give back what the database refused or
                   released;
* ``counters.py``  the counters as the inventory consumer sets them from the database;
* ``scripts.py``   the Lua scripts, and the keys they use.
"""

from common.adapters.flash_sale.counters import StockCounters
from common.adapters.flash_sale.gate import FlashSaleGate

__all__ = ["FlashSaleGate", "StockCounters"]
