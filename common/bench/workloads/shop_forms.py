"""Where the shop's forms post (common/web/pages.py): a product page's add-to-cart form, the
cart's line forms, the checkout's order form. Kept apart from the browser user (which
imports Locust, and Locust patches the process that imports it) so that
tests/unit/web/test_bench_forms.py can find each on the shop's own pages: a renamed route
must not silently stop the bench's buyers."""

ADD_TO_CART = "/cart/add"
SET_CART_LINE = "/cart"
PLACE_ORDER = "/checkout"
