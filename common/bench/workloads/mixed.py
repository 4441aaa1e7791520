"""mixed (the default): people browsing and buying through the HTML pages, and a share of JSON
API clients, at fixed weights: 4 browsers : 1 buyer : 1 API client (1 user in 6 calls /api
only, as browse-api does).

locust -f common/bench/workloads/mixed.py --host http://127.0.0.1:8000
"""

from __future__ import annotations

# Imported as modules, not classes: Locust runs every concrete User class it finds in the
# file's namespace, and only the three weighted ones below must run.
from common.bench.workloads import browse, browse_api, buy


class MixedBrowser(browse.HtmlBrowser):
    weight = 4


class MixedBuyer(buy.HtmlBuyer):
    weight = 1


class MixedApiClient(browse_api.BrowsingUser):
    weight = 1
