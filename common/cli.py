"""The `shop` command: run stages, seed them, demo, benchmark. `shop COMMAND --help`."""

from __future__ import annotations

import click

from common.bench.cli import register as register_bench
from common.commands.admin import register as register_admin
from common.commands.chaos import chaos
from common.commands.data import seed
from common.commands.demo import demo
from common.commands.diff import diff
from common.commands.memory import memory
from common.commands.mq import register as register_mq
from common.commands.search import register as register_search
from common.commands.stage import with_seeding
from common.commands.tls import tls


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def shop() -> None:
    """Shop Evolution: one shop, re-deployed stage by stage.

    \b
    Start here:
      shop demo                      stage01 on SQLite, nothing to install
      shop up stage01_single         start a stage's servers natively, seeded
      shop seed stage01_single       (re)seed it, e.g. with another size
      shop status / shop down STAGE  see and stop what runs
      shop diff stage01_single stage02_split   what a step changes
    """


def build_cli() -> click.Group:
    from common.runtime.cli import register as register_runtime

    register_runtime(shop)
    shop.add_command(with_seeding(shop.commands["up"]))
    shop.add_command(seed)
    register_admin(shop)
    register_bench(shop)
    shop.add_command(chaos)
    register_mq(shop)  # `shop mq`, and the broker's and workers' `shop chaos` commands
    shop.add_command(demo)
    shop.add_command(tls)
    shop.add_command(diff)
    shop.add_command(memory)
    register_search(shop)
    return shop


def main() -> None:
    build_cli()()
