"""`shop admin`: change the catalog of a running stage the way an admin would, and recover
checkouts a crash left half done.

Every change goes through the stage's own composition root, so it takes the same path as
the shop's writes: in stage03 and later the catalog writer invalidates the cache, and every
worker sees the change within the stage's staleness bound.
"""

from __future__ import annotations

import click

from common.config import Settings
from common.stages import operations, running_settings


@click.group(short_help="Change a running stage's catalog; recover orders.")
def admin() -> None:
    """Administer a running stage's catalog (prices, descriptions, stock)."""


@admin.command("set-product", short_help="Change a product's price, stock, name or category.")
@click.argument("stage")
@click.argument("product_id", type=click.IntRange(min=1))
@click.option(
    "--price-cents", type=click.IntRange(min=0), help="New price in integer cents (1999 = $19.99)."
)
@click.option("--description", help="New description text.")
@click.option("--stock", type=click.IntRange(min=0), help="New number of units in stock.")
@click.option(
    "--from-env",
    is_flag=True,
    help="Use this process's SHOP_* environment instead of the natively running stage "
    "(inside a container: docker compose exec app shop admin set-product --from-env ...).",
)
def set_product(
    stage: str,
    product_id: int,
    price_cents: int | None,
    description: str | None,
    stock: int | None,
    from_env: bool,
) -> None:
    """Change PRODUCT_ID of the running STAGE, e.g.

    \b
      shop admin set-product stage03_cache 42 --price-cents 1999
      shop admin set-product stage03_cache 42 --stock 0 --description "Sold out"
    """
    changes: dict[str, object] = {
        name: value
        for name, value in (
            ("price_cents", price_cents),
            ("description", description),
            ("stock", stock),
        )
        if value is not None
    }
    if not changes:
        raise click.UsageError("nothing to change: give --price-cents, --description or --stock")
    settings = Settings.from_env() if from_env else running_settings(stage)
    ops = operations(stage, settings)
    updated = ops.catalog.update_product(product_id, **changes)
    if updated is None:
        raise click.ClickException(f"product {product_id} does not exist")
    click.echo(
        f"Product {updated.id} {updated.name!r}: price_cents={updated.price_cents} "
        f"stock={updated.stock} description={updated.description!r}"
    )
    # A dependency this process could not reach may mean a change not yet seen everywhere
    # (e.g. a cache invalidation queued for a Redis that is down).
    for name, check in ops.health.items():
        try:
            check.check()
        except Exception as exc:
            click.echo(f"warning: {name}: {exc}", err=True)


@admin.command("recover-orders", short_help="Finish or undo the checkouts a crash left half done.")
@click.argument("stage")
@click.option(
    "--from-env",
    is_flag=True,
    help="Use this process's SHOP_* environment instead of the natively running stage.",
)
def recover_orders(stage: str, from_env: bool) -> None:
    """Finish or undo the checkouts of the running STAGE that a crash left half done.

    \b
    An order still pending after a minute is charged with its own key (a payment that went
    through before the crash is not charged again) and settled: paid or cancelled. Stock
    reserved more than ten minutes ago for an order that was never stored is given back.
    Running it again does nothing more.
    """
    settings = Settings.from_env() if from_env else running_settings(stage)
    report = operations(stage, settings).recovery.run()
    click.echo(
        f"settled {len(report.settled)} pending order(s)"
        + (f" ({', '.join(map(str, report.settled))})" if report.settled else "")
        + f"; released {len(report.released)} abandoned reservation(s)"
    )
    if report.waiting:
        click.echo(
            f"{len(report.waiting)} order(s) stay pending, a service they need did not answer "
            f"({', '.join(map(str, report.waiting))}): run this again once it is back"
        )


def register(group: click.Group) -> None:
    group.add_command(admin)
