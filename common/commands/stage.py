"""`shop up`: the runner's `up`, with the data set, so a started stage is a usable shop.

A stage whose compose.yaml has a seed job (a service with `x-shop: {role: seed}`, running
`shop seed --from-env STAGE --if-empty`) seeds itself, under Docker and natively alike: the
runner starts that job like any service. For a stage without one, `shop up` seeds after the
start, as it always did.
"""

from __future__ import annotations

import os

import click

from common.commands.data import SEED_ENVVARS, run_seed
from common.seed import SeedSize
from common.stages import running_settings

SEED_ROLE = "seed"
# What the seed job reads to size the data set: all zero, it seeds nothing.
_EMPTY_SEED = {SEED_ENVVARS[name]: "0" for name in ("products", "categories", "users")}


def seed_jobs(stage: str) -> list[str]:
    """Names of STAGE's seed jobs (role `seed`); none if the stage cannot be loaded."""
    from common.runtime import roles
    from common.runtime.compose import load_stage
    from common.runtime.errors import RuntimeFailure

    try:
        return roles.services_with_role(load_stage(stage), SEED_ROLE)
    except RuntimeFailure:
        return []  # the runner's `up` says what is wrong with the stage


def seed_if_empty(stage: str) -> None:
    """For a stage without a seed job: seed the default data set if the catalog is empty."""
    from common.runtime import roles
    from common.runtime.compose import load_stage

    try:
        roles.settings_service(load_stage(stage))
    except roles.RoleError as exc:  # e.g. a compose file of servers only (tests, bench)
        click.echo(f"Not seeded: {exc}")
        return
    run_seed(stage, running_settings(stage), SeedSize(), if_empty=True)


def with_seeding(runtime_up: click.Command) -> click.Command:
    """Wrap the runner's `up` with `--seed/--no-seed`, keeping its options and help."""

    @click.pass_context
    def callback(ctx: click.Context, seed: bool, **options: object) -> None:
        stage = str(options["stage"])
        has_seed_job = bool(seed_jobs(stage))
        if has_seed_job and not seed:
            # The runner starts every service of the stage, the seed job too: sized to zero
            # (compose.yaml reads its size from these variables), it seeds nothing.
            os.environ.update(_EMPTY_SEED)
        ctx.invoke(runtime_up, **options)
        if seed and not has_seed_job:
            seed_if_empty(stage)

    return click.Command(
        name="up",
        callback=callback,
        params=[
            *runtime_up.params,
            click.Option(
                ["--seed/--no-seed"],
                default=True,
                show_default=True,
                help="Seed the data set if the catalog is empty: the stage's seed job does it, "
                "sized by SHOP_SEED_PRODUCTS, SHOP_SEED_USERS... (see `shop seed --help`); "
                "--no-seed makes it seed nothing.",
            ),
        ],
        help=runtime_up.help,
        short_help=runtime_up.short_help,
    )
