"""`shop seed`: fill a stage's database and file store with the deterministic data set."""

from __future__ import annotations

import click

from common.commands.progress import phase_progress
from common.config import Settings
from common.seed import SEEDED_PASSWORD, SeedSize, seed_shop
from common.stages import operations, running_settings


def seed_options(f: click.decorators.FC) -> click.decorators.FC:
    defaults = SeedSize()
    for option in reversed(
        [
            click.option(
                "--products",
                default=defaults.products,
                show_default=True,
                help="Number of products.",
            ),
            click.option(
                "--categories",
                default=defaults.categories,
                show_default=True,
                help="Number of categories (at most 30).",
            ),
            click.option(
                "--users",
                default=defaults.users,
                show_default=True,
                help="Number of seeded customers.",
            ),
            click.option(
                "--image-kb",
                default=defaults.image_bytes // 1024,
                show_default=True,
                help="Least weight in KB of each product's PNG (the API's image_url), padded "
                "if lighter; browsers are given the lighter WebP files.",
            ),
            click.option(
                "--seed",
                "seed_value",
                default=defaults.seed,
                show_default=True,
                help="Random seed: same seed, same data.",
            ),
        ]
    ):
        f = option(f)
    return f


def size_from(
    products: int, categories: int, users: int, image_kb: int, seed_value: int
) -> SeedSize:
    return SeedSize(
        products=products,
        categories=categories,
        users=users,
        image_bytes=image_kb * 1024,
        seed=seed_value,
    )


def run_seed(stage: str, settings: Settings, size: SeedSize) -> None:
    ops = operations(stage, settings)
    with phase_progress() as progress:
        report = seed_shop(ops, size, progress)
    click.echo(
        f"Seeded {report['products']} products in {report['categories']} categories "
        f"({report['images_written']} new images), {report['users_added']} new users. "
        f"Seeded users: user1@example.com .. user{size.users}@example.com, "
        f"password {SEEDED_PASSWORD!r}."
    )


@click.command()
@click.argument("stage")
@click.option(
    "--from-env",
    is_flag=True,
    help="Use this process's SHOP_* environment instead of the natively running stage "
    "(inside a container: docker compose exec app shop seed --from-env STAGE).",
)
@seed_options
def seed(
    stage: str,
    from_env: bool,
    products: int,
    categories: int,
    users: int,
    image_kb: int,
    seed_value: int,
) -> None:
    """Seed the running STAGE (started with `shop up STAGE`). Idempotent."""
    settings = Settings.from_env() if from_env else running_settings(stage)
    run_seed(stage, settings, size_from(products, categories, users, image_kb, seed_value))
