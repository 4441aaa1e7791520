"""`shop up`: the runner's `up`, then the data set, so a started stage is a usable shop."""

from __future__ import annotations

import click

from common.commands.data import run_seed
from common.seed import SeedSize
from common.stages import composition_root, running_settings


def seed_if_empty(stage: str) -> None:
    from common.runtime import roles
    from common.runtime.compose import load_stage

    topology = load_stage(stage)
    if roles.services_with_role(topology, "seed"):
        click.echo("Seeded by the stage's own seed job (`shop seed STAGE --help` to reseed).")
        return
    try:
        roles.settings_service(topology)
    except roles.RoleError as exc:
        click.echo(f"Not seeded: {exc}")
        return
    settings = running_settings(stage)
    shop = composition_root(stage).build_shop(settings)
    if shop.catalog_writer.count_products() > 0:
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
