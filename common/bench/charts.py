"""The report's PNG charts, with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from common.bench.results import row_label, row_order


def _plt() -> Any:
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: files only, no GUI
    import matplotlib.pyplot as plt

    return plt


def _tick_labels(rows: list[dict[str, Any]]) -> list[str]:
    """Row labels wrapped to a bar's width: "stage04_cluster (3 nodes)" on three lines."""
    return [textwrap.fill(row_label(r).replace("_", " "), 16) for r in rows]


def _figure(plt: Any, rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    # Wider with more rows, so labels and bars never overlap.
    return plt.subplots(figsize=(max(7.0, 1.3 * len(rows) + 2.0), 4.6), dpi=110)


def draw_charts(
    benches: list[dict[str, Any]], calibration: dict[str, Any] | None, out: Path
) -> dict[str, list[Path]]:
    out.mkdir(parents=True, exist_ok=True)
    ceiling = calibration["ceiling_rps"] if calibration else None
    drawn: dict[str, list[Path]] = {}
    for workload in sorted({r["workload"] for r in benches}):
        rows = sorted(
            (r for r in benches if r["workload"] == workload and r["summary"]["throughput_rps"]),
            key=row_order,
        )
        if not rows:
            continue
        drawn[workload] = [
            _throughput(rows, workload, ceiling, out / f"{workload}-throughput.png"),
            _latency(rows, workload, out / f"{workload}-latency.png"),
            _demand(rows, workload, out / f"{workload}-cpu-per-request.png"),
        ]
    return drawn


def _throughput(
    rows: list[dict[str, Any]], workload: str, ceiling: float | None, path: Path
) -> Path:
    plt = _plt()
    stages = _tick_labels(rows)
    tp = [r["summary"]["throughput_rps"] for r in rows]
    medians = [t["median"] for t in tp]
    errors = [[t["median"] - t["min"] for t in tp], [t["max"] - t["median"] for t in tp]]
    bounds = [(r["summary"]["bottleneck"] or {}).get("bound_rps") for r in rows]
    fig, ax = _figure(plt, rows)
    xs = list(range(len(rows)))
    ax.bar(
        xs,
        medians,
        0.5,
        yerr=errors,
        capsize=6,
        color="#4C72B0",
        label="measured: median, whiskers min-max",
    )
    for x, t in zip(xs, tp, strict=True):
        ax.annotate(
            f"{t['median']:.0f}",
            (x, t["max"]),
            xytext=(0, 5),
            textcoords="offset points",
            ha="center",
            fontsize=9,
        )
    marks = [(x, b) for x, b in zip(xs, bounds, strict=True) if b is not None]
    for n, (x, bound) in enumerate(marks):
        ax.hlines(
            bound,
            x - 0.3,
            x + 0.3,
            colors="#C44E52",
            linewidths=2.5,
            label="bottleneck bound (cores / CPU demand)" if n == 0 else None,
        )
        ax.annotate(
            f"bound {bound:.0f}",
            (x + 0.3, bound),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color="#C44E52",
        )
    ax.set_xticks(xs, stages)
    ax.set_xlim(-0.7, len(rows) - 0.3 + 0.4)
    ax.set_ylabel("requests / s")
    ceiling_text = f"generator ceiling {ceiling:,.0f} req/s" if ceiling else "no calibration"
    ax.set_title(f"Throughput, workload {workload} ({ceiling_text})", fontsize=11)
    ax.set_ylim(0, max([*(t["max"] for t in tp), *(b for _, b in marks)]) * 1.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _latency(rows: list[dict[str, Any]], workload: str, path: Path) -> Path:
    plt = _plt()
    stages = _tick_labels(rows)
    width = 0.25
    fig, ax = _figure(plt, rows)
    for i, (key, color) in enumerate(
        (("p50_ms", "#55A868"), ("p95_ms", "#DD8452"), ("p99_ms", "#C44E52"))
    ):
        values = [r["summary"][key] or 0 for r in rows]
        xs = [n + (i - 1) * width for n in range(len(rows))]
        bars = ax.bar(xs, values, width, label=key.replace("_ms", ""), color=color)
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(
                f"{value:.0f}",
                (bar.get_x() + bar.get_width() / 2, value),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                fontsize=8,
            )
    ax.set_xticks(range(len(rows)), stages)
    ax.set_xlim(-0.7, len(rows) - 0.3)
    ax.set_ylabel("response time, ms (median over runs)")
    users = rows[0]["settings"]["users"]
    ax.set_title(
        f"Latency percentiles, workload {workload} ({users} closed-loop users)", fontsize=11
    )
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def _demand(rows: list[dict[str, Any]], workload: str, path: Path) -> Path:
    plt = _plt()
    stages = _tick_labels(rows)
    tiers = sorted({t for r in rows for t in r["summary"]["demand_ms"]})
    # One distinct colour per tier (up to 20), so app1 and the sessions Redis never match.
    palette = [plt.get_cmap("tab20")(i) for i in range(20)]
    fig, ax = _figure(plt, rows)
    bottom = [0.0] * len(rows)
    for i, tier in enumerate(tiers):
        values = [r["summary"]["demand_ms"].get(tier) or 0.0 for r in rows]
        ax.bar(
            range(len(rows)),
            values,
            0.5,
            bottom=bottom,
            label=tier,
            color=palette[i % len(palette)],
        )
        for n, value in enumerate(values):
            if value > 0:
                ax.annotate(
                    f"{value:.2f}",
                    (n, bottom[n] + value / 2),
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white",
                )
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.set_xticks(range(len(rows)), stages)
    ax.set_xlim(-0.7, len(rows) - 0.3)
    ax.set_ylim(0, max(bottom) * 1.2 if max(bottom) > 0 else 1)
    ax.set_ylabel("CPU ms per request (service demand)")
    ax.set_title(f"CPU per request by tier, workload {workload}", fontsize=11)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
