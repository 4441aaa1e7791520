"""`shop seed --if-empty` (a stage's seed job) and `shop up`'s use of that job, on SQLite
through stage01's composition root: no servers."""

from __future__ import annotations

import os
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from common.commands.data import seed
from common.commands.stage import seed_jobs, with_seeding
from common.config import Settings
from stage01_single.app import build_shop


def shop_env(tmp_path: Path) -> dict[str, str]:
    return {
        "SHOP_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}",
        "SHOP_IMAGE_DIR": str(tmp_path / "images"),
        "SHOP_SECRET_KEY": "test",
    }


def product_count(env: dict[str, str]) -> int:
    return build_shop(Settings.from_env(env)).operations.catalog.count_products()


SEED_VARIABLES = ("SHOP_SEED_PRODUCTS", "SHOP_SEED_CATEGORIES", "SHOP_SEED_USERS")


def run_seed(env: dict[str, str], *args: str) -> str:
    """`shop seed`, sized by ARGS and ENV only (the caller's SHOP_SEED_* unset)."""
    clean: dict[str, str | None] = {**dict.fromkeys(SEED_VARIABLES), **env}
    result = CliRunner().invoke(seed, ["stage01_single", "--from-env", *args], env=clean)
    assert result.exit_code == 0, result.output
    return result.output


def test_if_empty_seeds_an_empty_catalog_then_keeps_a_seeded_one(tmp_path: Path) -> None:
    env = shop_env(tmp_path)
    run_seed(env, "--if-empty", "--products", "12", "--users", "2")
    assert product_count(env) == 12

    output = run_seed(env, "--if-empty", "--products", "30", "--users", "2")
    assert "already seeded (12 products)" in output
    assert product_count(env) == 12


def test_without_if_empty_seeding_adds_to_a_seeded_catalog(tmp_path: Path) -> None:
    env = shop_env(tmp_path)
    run_seed(env, "--products", "5", "--users", "1")
    run_seed(env, "--products", "9", "--users", "1")
    assert product_count(env) == 9


def test_the_size_comes_from_shop_seed_variables(tmp_path: Path) -> None:
    env = {**shop_env(tmp_path), "SHOP_SEED_PRODUCTS": "7", "SHOP_SEED_USERS": "3"}
    output = run_seed(env, "--if-empty")
    assert product_count(env) == 7
    assert "user3@example.com" in output


def test_seeding_products_without_categories_is_refused_clearly(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        seed,
        ["stage01_single", "--from-env", "--products", "3", "--categories", "0"],
        env=shop_env(tmp_path),
    )
    assert result.exit_code == 2
    assert "--categories 1 or more" in result.output


def test_a_zero_size_seeds_nothing(tmp_path: Path) -> None:
    env = {**shop_env(tmp_path), **dict.fromkeys(SEED_VARIABLES, "0")}
    output = run_seed(env, "--if-empty")
    assert "Seeded 0 products" in output and "user1@" not in output
    shop = build_shop(Settings.from_env(env))
    assert shop.operations.catalog.count_products() == 0
    assert shop.catalog.categories() == []


def test_every_stage_has_one_seed_job() -> None:
    for stage in ("stage01_single", "stage02_split", "stage03_cache", "stage04_cluster"):
        assert seed_jobs(stage) == ["seed"], stage


def test_a_stage_without_a_seed_job_has_none(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  db: {image: mariadb:10.11}\n")
    assert seed_jobs(str(tmp_path)) == []


def recording_up(seen: list[dict[str, str | None]]) -> click.Command:
    """Stands in for the runner's `up`: records what the seed job would be sized by."""

    @click.command()
    @click.argument("stage")
    def up(stage: str) -> None:
        seen.append({v: os.environ.get(v) for v in ("SHOP_SEED_PRODUCTS", "SHOP_SEED_USERS")})

    return up


@pytest.mark.parametrize(("flag", "products"), [("--seed", None), ("--no-seed", "0")])
def test_up_leaves_seeding_to_the_seed_job_and_no_seed_sizes_it_to_nothing(
    monkeypatch: pytest.MonkeyPatch, flag: str, products: str | None
) -> None:
    for variable in SEED_VARIABLES:
        monkeypatch.setenv(variable, "set")  # recorded, so the teardown undoes what `up` sets
        monkeypatch.delenv(variable)
    seeded_after_start: list[str] = []
    monkeypatch.setattr("common.commands.stage.seed_if_empty", seeded_after_start.append)
    seen: list[dict[str, str | None]] = []

    result = CliRunner().invoke(with_seeding(recording_up(seen)), ["stage01_single", flag])

    assert result.exit_code == 0, result.output
    assert seen == [{"SHOP_SEED_PRODUCTS": products, "SHOP_SEED_USERS": products}]
    assert seeded_after_start == []
