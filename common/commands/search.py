"""`shop search`: the product index of a stage with a search engine (stage08 on).

    shop search reindex STAGE   build the index from the catalog, in bulk, then swap the alias
    shop search eval STAGE      score SQL search and Elasticsearch on the labelled query set

A reindex reads the catalog through the stage's own operations (its composition root's
``build_operations``: in stage08, the catalog and inventory services), never the databases
behind them, so it indexes what the shop serves.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import click
from elasticsearch import Elasticsearch

from common.adapters.search.client import make_client
from common.adapters.search.errors import SearchUnavailable
from common.adapters.search.indexer import SearchIndexer
from common.commands.progress import phase_progress
from common.config import Settings
from common.domain.models import Product, ProductQuery
from common.domain.validation import PER_PAGE_MAX
from common.ports import CatalogReader
from common.relevance.cli import evaluate_command
from common.stages import operations, running_settings

# A bulk load may wait this long for one request: a few hundred documents at a time, on a
# server that is also answering searches.
BULK_TIMEOUT_S = 60.0


@click.group(short_help="The product index of a stage with a search engine.")
def search() -> None:
    """The product index of a stage with a search engine (stage08_search on)."""


@search.command("reindex", short_help="Build the product index in bulk, then swap the alias.")
@click.argument("stage")
@click.option(
    "--if-missing",
    is_flag=True,
    help="Only when the stage has no product index yet; otherwise say so and succeed "
    "(a stage's index job: a restart keeps the index, which events keep current).",
)
@click.option(
    "--from-env",
    is_flag=True,
    help="Use this process's SHOP_* environment instead of the natively running stage "
    "(what a stage's index job does, under Docker and natively).",
)
def reindex(stage: str, if_missing: bool, from_env: bool) -> None:
    """Index every product of the running STAGE into a new index, then move the alias the
    shop searches to it in one step: searches see the old index or the new one, never none.

    \b
      shop search reindex stage08_search
    """
    settings = Settings.from_env() if from_env else running_settings(stage)
    indexer = SearchIndexer(_client(stage, settings))
    ops = operations(stage, settings)
    reader = ops.catalog_reader
    if reader is None:
        raise click.ClickException(f"{stage} offers no catalog reader to index from")
    try:
        live = indexer.live_indices()
        if if_missing and live:
            click.echo(f"Search index {indexer.alias!r} is there ({live[0]}): nothing to do.")
            return
        total = ops.catalog.count_products()
        click.echo(f"Indexing {total:,} products of {stage} into {settings.search_url} ...")
        started = time.monotonic()
        with phase_progress() as progress:
            index = indexer.reindex(
                all_products(reader),
                total=total,
                progress=lambda done, _total: progress("indexing", done, max(total, done)),
            )
        elapsed = time.monotonic() - started
    except SearchUnavailable as exc:
        raise click.ClickException(
            f"{exc.message}\nIs the stage's Elasticsearch up? `shop status {stage}`"
        ) from exc
    count = indexer.count()
    click.echo(
        f"Indexed {count:,} products into {index} in {elapsed:.1f} s "
        f"({count / elapsed if elapsed else 0:,.0f} documents/s); "
        f"the alias {indexer.alias!r} points at it."
    )


def all_products(reader: CatalogReader, page_size: int = PER_PAGE_MAX) -> Iterator[Product]:
    """Every product, in the catalog's own order, a page at a time: read lazily, so what a
    reindex writes late is as recent as it can be (the rest arrives through events)."""
    page = 1
    while True:
        items = reader.products(ProductQuery(page=page, per_page=page_size)).items
        yield from items
        if len(items) < page_size:
            return
        page += 1


def _client(stage: str, settings: Settings) -> Elasticsearch:
    if not settings.search_url:
        raise click.ClickException(
            f"{stage} has no search engine (SHOP_SEARCH_URL is not set): stage08_search and "
            "later have one"
        )
    return make_client(settings.search_url, timeout=BULK_TIMEOUT_S, retries=1)


search.add_command(evaluate_command)


def register(group: click.Group) -> None:
    group.add_command(search)
