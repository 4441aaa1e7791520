"""`shop seed`: fill a stage's database and file store with the deterministic data set."""

from __future__ import annotations

from typing import Any

import click

from common.commands.progress import phase_progress
from common.config import Settings
from common.seed import SEEDED_PASSWORD, SeedSize, seed_shop
from common.stages import operations, running_settings

# Each size can also come from a SHOP_SEED_* variable: a stage's seed job (compose.yaml) sets
# them from the caller's environment, so a test or a small laptop can seed small.
SEED_ENVVARS = {
    "products": "SHOP_SEED_PRODUCTS",
    "categories": "SHOP_SEED_CATEGORIES",
    "users": "SHOP_SEED_USERS",
    "image_kb": "SHOP_SEED_IMAGE_KB",
    "seed_value": "SHOP_SEED_RANDOM_SEED",
}


def seed_options(f: click.decorators.FC | None = None, *, products: int | None = None) -> Any:
    """The data set's size options, defaulting to SeedSize's (``products`` overrides the
    number of products, as `shop demo`'s smaller first look does)."""
    if f is None:
        return lambda g: seed_options(g, products=products)
    defaults = SeedSize() if products is None else SeedSize(products=products)
    for option in reversed(
        [
            click.option(
                "--products",
                type=click.IntRange(min=0),
                default=defaults.products,
                envvar=SEED_ENVVARS["products"],
                show_default=True,
                show_envvar=True,
                help="Number of products.",
            ),
            click.option(
                "--categories",
                type=click.IntRange(min=0),
                default=defaults.categories,
                envvar=SEED_ENVVARS["categories"],
                show_default=True,
                show_envvar=True,
                help="Number of categories (at most 30).",
            ),
            click.option(
                "--users",
                type=click.IntRange(min=0),
                default=defaults.users,
                envvar=SEED_ENVVARS["users"],
                show_default=True,
                show_envvar=True,
                help="Number of seeded customers.",
            ),
            click.option(
                "--image-kb",
                type=click.IntRange(min=0),
                default=defaults.image_bytes // 1024,
                envvar=SEED_ENVVARS["image_kb"],
                show_default=True,
                show_envvar=True,
                help="Least weight in KB of each product's PNG (the API's image_url), padded "
                "if lighter; browsers are given the lighter WebP files.",
            ),
            click.option(
                "--seed",
                "seed_value",
                default=defaults.seed,
                envvar=SEED_ENVVARS["seed_value"],
                show_default=True,
                show_envvar=True,
                help="Random seed: same seed, same data.",
            ),
        ]
    ):
        f = option(f)
    return f


def size_from(
    products: int, categories: int, users: int, image_kb: int, seed_value: int
) -> SeedSize:
    if products and not categories:
        raise click.UsageError("products need a category: give --categories 1 or more")
    return SeedSize(
        products=products,
        categories=categories,
        users=users,
        image_bytes=image_kb * 1024,
        seed=seed_value,
    )


def run_seed(stage: str, settings: Settings, size: SeedSize, *, if_empty: bool = False) -> None:
    """Seed STAGE's shop; with ``if_empty``, only when its catalog has no product yet."""
    ops = operations(stage, settings)
    if if_empty:
        count = ops.catalog.count_products()
        if count > 0:
            click.echo(
                f"Catalog already seeded ({count} products): nothing to do "
                f"(`shop seed {stage} --help` to seed another size)."
            )
            return
    with phase_progress() as progress:
        report = seed_shop(ops, size, progress)
    seeded_users = (
        f" Seeded users: user1@example.com .. user{size.users}@example.com, "
        f"password {SEEDED_PASSWORD!r}."
        if size.users
        else ""
    )
    click.echo(
        f"Seeded {report['products']} products in {report['categories']} categories "
        f"({report['images_written']} new images), {report['users_added']} new users."
        + seeded_users
    )


@click.command()
@click.argument("stage")
@click.option(
    "--from-env",
    is_flag=True,
    help="Use this process's SHOP_* environment instead of the natively running stage "
    "(what a stage's seed job does, under Docker and natively).",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Seed only when the catalog has no product; otherwise say so and succeed "
    "(a stage's seed job: a restart keeps the data, and its size).",
)
@seed_options
def seed(
    stage: str,
    from_env: bool,
    if_empty: bool,
    products: int,
    categories: int,
    users: int,
    image_kb: int,
    seed_value: int,
) -> None:
    """Seed the running STAGE (started with `shop up STAGE`). Idempotent."""
    settings = Settings.from_env() if from_env else running_settings(stage)
    size = size_from(products, categories, users, image_kb, seed_value)
    run_seed(stage, settings, size, if_empty=if_empty)
