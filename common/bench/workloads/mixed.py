"""Mixed (the default): browsers and buyers at fixed weights, 4 browsers for every buyer.

locust -f common/bench/workloads/mixed.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

# Imported as modules, not classes: Locust runs every concrete User class it finds in the
# file's namespace, and only the two weighted ones below must run.
from common.bench.workloads import browse, buy


class MixedBrowser(browse.BrowsingUser):
    weight = 4


class MixedBuyer(buy.BuyingUser):
    weight = 1
