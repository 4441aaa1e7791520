"""`shop up`: the runner's `up`, then the data set, so a started stage is a usable shop."""

from __future__ import annotations

import click

from common.commands.data import run_seed
from common.seed import SeedSize
from common.stages import operations, running_settings


def seed_if_empty(stage: str) -> None:
    settings = running_settings(stage)
    if operations(stage, settings).catalog.count_products() > 0:
        click.echo("Catalog already seeded (`shop seed STAGE --help` to change its size).")
        return
    run_seed(stage, settings, SeedSize())


def with_seeding(runtime_up: click.Command) -> click.Command:
    """Wrap the runner's `up` with `--seed/--no-seed`, keeping its options and help."""

    @click.pass_context
    def callback(ctx: click.Context, seed: bool, **options: object) -> None:
        ctx.invoke(runtime_up, **options)
        if seed:
            seed_if_empty(str(options["stage"]))

    return click.Command(
        name="up",
        callback=callback,
        params=[
            *runtime_up.params,
            click.Option(
                ["--seed/--no-seed"],
                default=True,
                show_default=True,
                help="Seed the default data set if the catalog is empty.",
            ),
        ],
        help=runtime_up.help,
        short_help=runtime_up.short_help,
    )
