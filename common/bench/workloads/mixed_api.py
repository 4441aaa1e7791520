"""mixed-api: the JSON API only: API browsers and buyers at fixed weights, 4 for every buyer.

locust -f common/bench/workloads/mixed_api.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

# Imported as modules, not classes: Locust runs every concrete User class it finds in the
# file's namespace, and only the two weighted ones below must run.
from common.bench.workloads import browse_api, buy_api


class MixedBrowser(browse_api.BrowsingUser):
    weight = 4


class MixedBuyer(buy_api.BuyingUser):
    weight = 1
