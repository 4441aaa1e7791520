"""`shop search eval STAGE|--url URL` (also `python -m common.relevance --url URL`): score the
SQL search and the Elasticsearch search on the labelled query set."""

from __future__ import annotations

import json
from dataclasses import asdict

import click
from rich.console import Console
from rich.table import Table

from common.adapters.search.client import make_client
from common.adapters.search.errors import SearchUnavailable
from common.relevance.compare import TARGET_HIT_RATE, Comparison, compare
from common.relevance.labels import load_queries
from common.relevance.metrics import Scores
from common.seed import SeedSize


@click.command("eval", short_help="Score SQL search and Elasticsearch on labelled queries.")
@click.argument("stage", required=False)
@click.option(
    "--url",
    metavar="URL",
    help="Elasticsearch to evaluate on, e.g. http://127.0.0.1:9200, instead of a running "
    "STAGE's (a throwaway index `relevance-eval` is built there and deleted afterwards).",
)
@click.option("--products", default=SeedSize().products, show_default=True, help="Catalog size.")
@click.option("--seed", "seed_value", default=SeedSize().seed, show_default=True, help="Seed.")
@click.option("-k", default=10, show_default=True, help="Results per query that count.")
@click.option("--per-query", is_flag=True, help="Also list every query's scores.")
@click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
def evaluate_command(
    stage: str | None,
    url: str | None,
    products: int,
    seed_value: int,
    k: int,
    per_query: bool,
    as_json: bool,
) -> None:
    """Score SQL search (stage01-07's LIKE on the name) and Elasticsearch (stage08's index,
    mapping and query) on the committed labelled query set, over the seeded catalog.

    Prints hit rate at k, MRR and precision at k per query class. Exits 1 when
    Elasticsearch misses the target hit rate (0.9) on the default catalog.

    \b
      shop search eval stage08_search            on a running stage's Elasticsearch
      shop search eval --url http://127.0.0.1:9200
    """
    url = _elasticsearch_url(stage, url)
    console = Console(stderr=as_json)
    size = SeedSize(products=products, seed=seed_value)
    console.print(
        f"evaluating {len(load_queries())} labelled queries on {products} products "
        f"(seed {seed_value}); indexing into {url} ..."
    )
    try:
        result = compare(make_client(url, timeout=30.0), size=size, k=k)
    except SearchUnavailable as exc:
        raise click.ClickException(f"{exc}\nIs Elasticsearch running at {url}?") from exc
    if as_json:
        click.echo(json.dumps(_as_dict(result), indent=2))
    else:
        _print_table(console, result, per_query)
    # The target is set for the committed set on the default catalog only.
    default = SeedSize()
    on_default_catalog = (products, seed_value, k) == (default.products, default.seed, 10)
    if on_default_catalog and result.elasticsearch.overall().hit_rate < TARGET_HIT_RATE:
        raise SystemExit(1)


def _elasticsearch_url(stage: str | None, url: str | None) -> str:
    if (stage is None) == (url is None):
        raise click.UsageError("give a running STAGE or --url URL (one of them)")
    if url is not None:
        return url
    from common.stages import running_settings  # the CLI's own: loads the stage by name

    assert stage is not None
    settings = running_settings(stage)
    if not settings.search_url:
        raise click.ClickException(f"{stage} has no search engine (SHOP_SEARCH_URL is not set)")
    return settings.search_url


def _print_table(console: Console, result: Comparison, per_query: bool) -> None:
    k = result.sql.k
    table = Table(title=f"relevance: SQL LIKE vs Elasticsearch (k={k})")
    for column in ("class", "queries", f"SQL hit@{k}", f"ES hit@{k}", "SQL MRR", "ES MRR"):
        table.add_column(column, justify="left" if column == "class" else "right")
    table.add_column(f"SQL P@{k}", justify="right")
    table.add_column(f"ES P@{k}", justify="right")
    sql_classes, es_classes = result.sql.by_class(), result.elasticsearch.by_class()
    rows = [(c, sql_classes[c], es_classes[c]) for c in es_classes]
    rows.append(("all", result.sql.overall(), result.elasticsearch.overall()))
    for name, sql, es in rows:
        table.add_row(name, str(es.queries), *_pair(sql, es), end_section=name == rows[-2][0])
    console.print(table)
    if per_query:
        detail = Table(title="per query (hit / reciprocal rank)")
        for column in ("query", "class", "relevant", "SQL", "ES"):
            detail.add_column(column)
        for sql_q, es_q in zip(result.sql.per_query, result.elasticsearch.per_query, strict=True):
            detail.add_row(
                es_q.query,
                es_q.query_class,
                str(es_q.relevant),
                f"{sql_q.hit:.0f} / {sql_q.reciprocal_rank:.2f}",
                f"{es_q.hit:.0f} / {es_q.reciprocal_rank:.2f}",
            )
        console.print(detail)
    if result.elasticsearch.skipped:
        skipped = ", ".join(result.elasticsearch.skipped)
        console.print(f"left out (nothing relevant in this catalog): {skipped}")


def _pair(sql: Scores, es: Scores) -> list[str]:
    return [
        f"{sql.hit_rate:.2f}",
        f"{es.hit_rate:.2f}",
        f"{sql.mrr:.2f}",
        f"{es.mrr:.2f}",
        f"{sql.precision:.2f}",
        f"{es.precision:.2f}",
    ]


def _as_dict(result: Comparison) -> dict[str, object]:
    return {
        "products": result.size.products,
        "seed": result.size.seed,
        "k": result.sql.k,
        "target_hit_rate": TARGET_HIT_RATE,
        **{
            name: {
                "overall": asdict(evaluation.overall()),
                "by_class": {c: asdict(s) for c, s in evaluation.by_class().items()},
                "per_query": [asdict(q) for q in evaluation.per_query],
                "skipped": evaluation.skipped,
            }
            for name, evaluation in (("sql", result.sql), ("elasticsearch", result.elasticsearch))
        },
    }
