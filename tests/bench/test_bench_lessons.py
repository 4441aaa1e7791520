"""Every bound a lesson quotes is in the generated bound page (docs/bounds.md): lessons are
hand-written, so this is what keeps their bound figures traceable to a result file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"\d{1,3}(?:,\d{3})*"


def table_cells_about_bounds(text: str) -> list[str]:
    """Cells of lesson tables that hold a bound: a column headed "bound ...", or a row whose
    first cell names a bound ("mixed: bound, req/s")."""
    cells: list[str] = []
    bound_columns: list[int] = []
    for line in text.splitlines():
        if not line.startswith("|"):
            bound_columns = []
            continue
        row = [c.strip() for c in line.strip().strip("|").split("|")]
        if set(line) <= set("|-: "):
            continue
        if not bound_columns and any("bound" in c.lower() for c in row) and not cells_row(row):
            bound_columns = [i for i, c in enumerate(row) if "bound" in c.lower()]
            continue
        if "bound" in row[0].lower():
            cells += row[1:]
        else:
            cells += [row[i] for i in bound_columns if i < len(row)]
    return cells


def cells_row(row: list[str]) -> bool:
    return "bound" in row[0].lower() and any(re.fullmatch(NUMBER, c) for c in row[1:])


def bound_figures(cell: str) -> list[str]:
    cell = cell.replace("*", "")
    if re.fullmatch(NUMBER, cell):
        return [cell]
    return re.findall(rf"({NUMBER}) req/s", cell)


LESSONS = sorted(ROOT.glob("stage*/README.md"))


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.parent.name)
def test_bounds_quoted_in_a_lesson_are_in_the_generated_page(lesson: Path) -> None:
    generated = (ROOT / "docs" / "bounds.md").read_text()
    figures = [
        f for cell in table_cells_about_bounds(lesson.read_text()) for f in bound_figures(cell)
    ]
    missing = [f for f in figures if f"| {f} |" not in generated]
    assert not missing, (
        f"{lesson.parent.name}/README.md quotes bounds {missing} that docs/bounds.md does not "
        "have: run `shop report` and quote its figures"
    )


def test_the_check_finds_bound_cells() -> None:
    text = "\n".join(
        [
            "| workload | stage | req/s | bound with the declared servers |",
            "|---|---|---|---|",
            "| mixed | stage02 | 445.7 | **675 req/s (the app's core)** |",
            "",
            "| app nodes | 1 | 2 |",
            "|---|---|---|",
            "| mixed: bound, req/s | 903 | 1,368 |",
            "| mixed: bottleneck | app | app |",
        ]
    )
    figures = [f for c in table_cells_about_bounds(text) for f in bound_figures(c)]
    assert figures == ["675", "903", "1,368"]
