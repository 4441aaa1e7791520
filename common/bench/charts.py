"""The report's PNG charts, with matplotlib's Agg backend (no display needed).

Readability rules (issue: labels collided, numbers on bars were unreadable, a tier changed
colour from chart to chart):
* every tier has one colour in every chart (``tier_colour``; app nodes are shades of the app
  tier's blue);
* the figures a bar stands for go under it, in its axis label, never beside it where the next
  column's label could collide; on the CPU chart a segment is numbered only when tall enough;
* the throughput chart says what its bars and dashes are: measured on the run's real CPUs,
  bound for the declared servers; a folded run (more declared servers than real CPUs) is
  hatched and labelled so.
"""

from __future__ import annotations

import colorsys
import re
import textwrap
import zlib
from pathlib import Path
from typing import Any

from matplotlib.colors import to_hex, to_rgb

from common.bench import bounds
from common.bench.results import row_label, row_order

CHART_SUFFIXES = ("-throughput.png", "-latency.png", "-cpu-per-request.png", "-page-views.png")
MEASURED_COLOUR = "#4C72B0"
BOUND_COLOUR = "#C44E52"
PERCENTILE_COLOURS = {"p50_ms": "#55A868", "p95_ms": "#DD8452", "p99_ms": "#C44E52"}
# One colour per tier, the same in every chart (a tier is a service name without its node
# number: app1, app2 and app3 are the app tier, drawn in shades of its colour).
TIER_COLOURS = {
    "app": "#1f77b4",
    "db": "#2ca02c",
    "replica": "#98df8a",
    "minio": "#d62728",
    "redis": "#9467bd",
    "sessions": "#e377c2",
    "lb": "#7f7f7f",
    "rabbitmq": "#8c564b",
    "broker": "#8c564b",
    "worker": "#17becf",
    "search": "#bcbd22",
    "elasticsearch": "#bcbd22",
}
FALLBACK_COLOURS = ("#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d")
MIN_LABELLED_SHARE = 0.07  # a CPU segment shorter than this share of the axis gets no number


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: files only, no GUI
    import matplotlib.pyplot as plt

    return plt


def tier_family(name: str) -> tuple[str, int]:
    """("app", 2) for app2; ("db", 0) for db; replicas and numbered servers likewise."""
    match = re.fullmatch(r"(.*?)[-_]?(\d+)", name)
    family, number = (match.group(1), int(match.group(2))) if match else (name, 0)
    if "replica" in family:
        family = "replica"
    return family, number


def tier_colour(name: str) -> str:
    """The fixed colour of a service's tier (a node's shade lightens with its number)."""
    family, number = tier_family(name)
    base = TIER_COLOURS.get(family)
    if base is None:  # a tier no chart has seen yet: a stable colour from its name
        base = FALLBACK_COLOURS[zlib.crc32(family.encode()) % len(FALLBACK_COLOURS)]
    if number <= 1:
        return base
    hue, light, sat = colorsys.rgb_to_hls(*to_rgb(base))
    light = min(light + 0.13 * (number - 1), 0.85)
    return to_hex(colorsys.hls_to_rgb(hue, light, sat))


def _text_colour(background: str) -> str:
    """Black on light segments, white on dark ones (relative luminance)."""
    red, green, blue = to_rgb(background)
    return "black" if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.45 else "white"


def _name(result: dict[str, Any]) -> str:
    return textwrap.fill(row_label(result).replace("_", " "), 16)


def _folded_text(result: dict[str, Any]) -> str | None:
    fold = result["summary"].get("folding")
    if not fold or not fold["folded"]:
        return None
    return f"folded: {fold['declared_servers']} servers\non {fold['real_cpus']} CPU"


def _real_cpus(rows: list[dict[str, Any]]) -> str:
    counts = sorted(
        {len(r["summary"]["utilisation"]["cpus"]) for r in rows if r["summary"].get("utilisation")}
    )
    if not counts:
        return "CPUs not sampled"
    numbers = (
        "-".join(str(c) for c in (counts[0], counts[-1]) if c)
        if len(counts) > 1
        else str(counts[0])
    )
    return f"{numbers} CPU{'s' if counts[-1] != 1 else ''}"


def _figure(plt: Any, rows: list[dict[str, Any]], height: float = 4.8) -> tuple[Any, Any]:
    # Wider with more rows, so labels and bars never overlap.
    return plt.subplots(figsize=(max(7.5, 1.45 * len(rows) + 2.2), height), dpi=110)


LEGEND_COLUMNS = 5


def _heading(ax: Any, title: str, handles: list[Any] | None = None) -> None:
    """The title, and under it the legend in rows of its own: a legend never covers a bar."""
    entries = handles if handles is not None else ax.get_legend_handles_labels()[0]
    ax.legend(
        handles=entries,
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        ncol=min(len(entries), LEGEND_COLUMNS),
        fontsize=8,
        frameon=False,
    )
    rows = -(-len(entries) // LEGEND_COLUMNS)
    ax.set_title(title, fontsize=10, pad=8 + 15 * rows)


def _save(plt: Any, fig: Any, path: Path) -> None:
    # "tight" grows the image to whatever sticks out (the legend row, long labels).
    fig.savefig(path, bbox_inches="tight", pad_inches=0.15)
    plt.close(fig)


def draw_charts(
    benches: list[dict[str, Any]], calibration: dict[str, Any] | None, out: Path
) -> dict[str, list[Path]]:
    """Charts of derived results (derive.derive_result), per reported workload."""
    out.mkdir(parents=True, exist_ok=True)
    ceiling = calibration["ceiling_rps"] if calibration else None
    drawn: dict[str, list[Path]] = {}
    for workload in sorted({r["report_workload"] for r in benches}):
        rows = sorted(
            (
                r
                for r in benches
                if r["report_workload"] == workload and r["summary"]["throughput_rps"]
            ),
            key=row_order,
        )
        if not rows:
            continue
        drawn[workload] = [
            _throughput(rows, workload, ceiling, out / f"{workload}-throughput.png"),
            _latency(rows, workload, out / f"{workload}-latency.png"),
            _demand(rows, workload, out / f"{workload}-cpu-per-request.png"),
        ]
        if any(r["summary"].get("page_views") for r in rows):
            drawn[workload].append(_page_views(rows, workload, out / f"{workload}-page-views.png"))
    _remove_stale(out, {p for ps in drawn.values() for p in ps})
    return drawn


def _remove_stale(out: Path, kept: set[Path]) -> None:
    """Charts of a workload no longer reported (renamed or gone) would mislead: removed."""
    for path in out.glob("*.png"):
        if path.name.endswith(CHART_SUFFIXES) and path not in kept:
            path.unlink()


def throughput_labels(rows: list[dict[str, Any]]) -> list[str]:
    """Under each bar: the stage, the measured median, the bound, and "folded" if it was."""
    labels = []
    for r in rows:
        tp, bound = r["summary"]["throughput_rps"], bounds.bound_rps(r)
        text = f"{_name(r)}\nmeasured {tp['median']:,.0f}" if tp else f"{_name(r)}\nno valid run"
        text += f"\nbound {bound:,.0f}" if bound is not None else "\nno bound"
        note = _folded_text(r)
        labels.append(text + (f"\n{note}" if note else ""))
    return labels


def _throughput(
    rows: list[dict[str, Any]], workload: str, ceiling: float | None, path: Path
) -> Path:
    plt = _plt()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    tp = [r["summary"]["throughput_rps"] for r in rows]
    bound_values = [bounds.bound_rps(r) for r in rows]
    labels = throughput_labels(rows)
    fig, ax = _figure(plt, rows, height=5.6)
    xs = list(range(len(rows)))
    for x, r, t in zip(xs, rows, tp, strict=True):
        folded = _folded_text(r) is not None
        ax.bar(
            x,
            t["median"],
            0.55,
            yerr=[[t["median"] - t["min"]], [t["max"] - t["median"]]],
            capsize=6,
            color=MEASURED_COLOUR,
            alpha=0.55 if folded else 1.0,
            hatch="//" if folded else None,
            edgecolor="white" if folded else MEASURED_COLOUR,
        )
    for x, bound in zip(xs, bound_values, strict=True):
        if bound is not None:
            ax.hlines(bound, x - 0.38, x + 0.38, colors=BOUND_COLOUR, linewidths=2.5)
    ax.set_xticks(xs, labels, fontsize=8)
    ax.set_xlim(-0.7, len(rows) - 0.3)
    ax.set_ylabel("successful requests / s")
    top = max([*(t["max"] for t in tp), *(b for b in bound_values if b is not None)])
    ax.set_ylim(0, top * 1.12)
    ceiling_text = f"generator ceiling {ceiling:,.0f} req/s" if ceiling else "no calibration"
    title = (
        f"Throughput, workload {workload}: bars measured on {_real_cpus(rows)} of this "
        f"machine;\nred dashes: bound assuming the declared servers (computed, not measured); "
        f"{ceiling_text}"
    )
    handles = [
        Patch(color=MEASURED_COLOUR, label="measured: median, whiskers min-max"),
        Patch(
            facecolor=MEASURED_COLOUR,
            alpha=0.55,
            hatch="//",
            edgecolor="white",
            label="folded: declared servers shared fewer real CPUs",
        ),
        Line2D([], [], color=BOUND_COLOUR, linewidth=2.5, label="bound, declared servers"),
    ]
    _heading(ax, title, handles)
    ax.grid(axis="y", alpha=0.3)
    _save(plt, fig, path)
    return path


def _percentile_bars(
    plt: Any, rows: list[dict[str, Any]], figures: list[dict[str, Any]], labels: list[str]
) -> tuple[Any, Any]:
    """p50/p95/p99 side by side per row, each bar with its value on top."""
    width = 0.26
    fig, ax = _figure(plt, rows)
    for i, (key, color) in enumerate(PERCENTILE_COLOURS.items()):
        values = [f[key] or 0 for f in figures]
        xs = [n + (i - 1) * width for n in range(len(rows))]
        bars = ax.bar(xs, values, width, label=key.replace("_ms", ""), color=color)
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(
                f"{value:.0f}",
                (bar.get_x() + bar.get_width() / 2, value),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_xlim(-0.7, len(rows) - 0.3)
    ax.set_ylim(0, max(f["p99_ms"] or 0 for f in figures) * 1.15 or 1)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def _latency(rows: list[dict[str, Any]], workload: str, path: Path) -> Path:
    plt = _plt()
    fig, ax = _percentile_bars(plt, rows, [r["summary"] for r in rows], [_name(r) for r in rows])
    ax.set_ylabel("response time, ms (median over runs)")
    users = rows[0]["settings"]["users"]
    title = f"Latency percentiles per request, workload {workload} ({users} closed-loop users)"
    _heading(ax, title)
    _save(plt, fig, path)
    return path


def _tier_order(names: set[str]) -> list[str]:
    """Legend and stacking order: by tier (app first), then node number."""
    families = list(TIER_COLOURS)

    def key(name: str) -> tuple[int, str, int]:
        family, number = tier_family(name)
        rank = families.index(family) if family in families else len(families)
        return rank, family, number

    return sorted(names, key=key)


def _demand(rows: list[dict[str, Any]], workload: str, path: Path) -> Path:
    plt = _plt()
    tiers = _tier_order({t for r in rows for t in r["summary"]["demand_ms"]})
    fig, ax = _figure(plt, rows)
    bottom = [0.0] * len(rows)
    totals = [sum(v or 0.0 for v in r["summary"]["demand_ms"].values()) for r in rows]
    axis_top = max(totals) * 1.15 if max(totals) > 0 else 1.0
    for tier in tiers:
        values = [r["summary"]["demand_ms"].get(tier) or 0.0 for r in rows]
        ax.bar(
            range(len(rows)),
            values,
            0.55,
            bottom=bottom,
            label=tier,
            color=tier_colour(tier),
            edgecolor="white",
            linewidth=0.6,
        )
        for n, value in enumerate(values):
            if value >= MIN_LABELLED_SHARE * axis_top:  # only where the number fits
                ax.annotate(
                    f"{tier} {value:.2f}",
                    (n, bottom[n] + value / 2),
                    ha="center",
                    va="center",
                    fontsize=7,
                    color=_text_colour(tier_colour(tier)),
                    fontweight="bold",
                )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    for n, total in enumerate(totals):
        ax.annotate(
            f"{total:.2f} ms",
            (n, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=8,
        )
    ax.set_xticks(range(len(rows)), [_name(r) for r in rows], fontsize=8)
    ax.set_xlim(-0.7, len(rows) - 0.3)
    ax.set_ylim(0, axis_top)
    ax.set_ylabel("CPU ms per successful request")
    title = (
        f"CPU per request by tier (service demand), workload {workload}; the total above each bar"
    )
    _heading(ax, title)
    ax.grid(axis="y", alpha=0.3)
    _save(plt, fig, path)
    return path


def _page_views(rows: list[dict[str, Any]], workload: str, path: Path) -> Path:
    plt = _plt()
    rows = [r for r in rows if r["summary"].get("page_views")]
    views = [r["summary"]["page_views"] for r in rows]
    labels = [
        f"{_name(r)}\n{v['views_per_s']:,.0f} views/s\n{v['requests_per_view']:.1f} req, "
        f"{(v['bytes_per_view'] or 0) / 1024:.0f} KB/view"
        for r, v in zip(rows, views, strict=True)
    ]
    fig, ax = _percentile_bars(plt, rows, views, labels)
    ax.set_ylabel("page view with its assets, ms")
    title = f"Page views, workload {workload}: time from the page's request to its last asset"
    _heading(ax, title)
    _save(plt, fig, path)
    return path
