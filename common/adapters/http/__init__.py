"""HTTP client adapters (stage06 on): the shop's ports and service protocols implemented by
calls to the business services, so the web tier and the services that call each other run
the same code as the monolith, over ``common/rpc``'s resilient client.

    catalog.py    CatalogReader composed of the catalog and inventory services (a product's
                  stock is the inventory's), and CatalogWriter for operators
    inventory.py  Inventory (checkout's reservations) and StockLevels
    accounts.py   Accounts, and the seeding of users
    carts.py      Carts (the web's) and CartLines (checkout's)
    orders.py     Orders, and recovery of half-done checkouts
    payments.py   Payments
    health.py     a service's readiness, as the web tier's /readyz reports it
"""
