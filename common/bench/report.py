"""`shop report`: results/latest/*.json -> docs/results.md (tables) and docs/img/*.png.

Every figure printed comes from a result file, next to the command that reproduces it;
nothing is rounded up or typed in by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.bench import demand
from common.bench.results import load_results, row_label, row_order

BASELINE_STAGE = "stage01_single"


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


def gain(stage: dict[str, Any], base: dict[str, Any]) -> str:
    """Median ratio against the baseline, with the range the runs' min/max allow."""
    s, b = stage["summary"]["throughput_rps"], base["summary"]["throughput_rps"]
    if not s or not b or not b["median"]:
        return "-"
    low = s["min"] / b["max"] if b["max"] else 0.0
    high = s["max"] / b["min"] if b["min"] else 0.0
    return f"{s['median'] / b['median']:.2f}x ({low:.2f}-{high:.2f})"


def tiers_cell(summary: dict[str, Any]) -> str:
    parts = [
        f"{name} {value:.2f}" for name, value in summary["demand_ms"].items() if value is not None
    ]
    return ", ".join(parts) or "-"


def bottleneck_cell(summary: dict[str, Any]) -> str:
    worst = summary.get("bottleneck")
    if not worst:
        return "-"
    return (
        f"{'+'.join(worst['tiers'])} ({worst['cores']} core): saturates at "
        f"{_fmt(worst['bound_rps'])} req/s; measured U = {100 * worst['utilization']:.0f}%"
    )


SPREAD_TARGET_PCT = 10.0


NOISY_SHARE = 0.05  # other processes' share of the stage CPUs worth blaming for a spread


def spread_checks(rows: list[dict[str, Any]]) -> list[str]:
    """The issue's repeatability check, stated per stage from the data, with its likely cause."""
    lines = []
    for r in sorted(rows, key=row_order):
        s = r["summary"]
        tp = s["throughput_rps"]
        if not tp:
            continue
        met = tp["spread_pct"] <= SPREAD_TARGET_PCT
        text = (
            f"- {row_label(r)}: spread {tp['spread_pct']:.1f}% "
            f"{'within' if met else 'ABOVE'} the {SPREAD_TARGET_PCT:.0f}% target"
        )
        noise = s.get("foreign_share_stage_max") or 0.0
        if not met and noise >= NOISY_SHARE:
            text += (
                f"; other processes took up to {100 * noise:.0f}% of the stage's CPUs "
                "during these runs (a shared machine), see the runs below"
            )
        elif not met:
            text += (
                "; the stage's CPUs were otherwise idle (other processes under "
                f"{100 * NOISY_SHARE:.0f}%), so this is the stage's own run-to-run variation"
            )
        lines.append(text + ".")
    return lines


def workload_table(rows: list[dict[str, Any]]) -> list[str]:
    base = next((r for r in rows if r["stage"] == BASELINE_STAGE), None)
    lines = [
        "| stage | req/s median (min-max, spread) | p50 / p95 / p99 ms | failures | "
        "out of stock | CPU ms/request by tier | DB queries/request | bottleneck | "
        "generator (max of a core) | other processes on stage / generator CPUs (max) | "
        "gain vs stage01 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=row_order):
        s = r["summary"]
        tp = s["throughput_rps"]
        tp_cell = (
            f"{_fmt(tp['median'], 1)} ({_fmt(tp['min'], 1)}-{_fmt(tp['max'], 1)}, "
            f"{tp['spread_pct']:.1f}%)"
            if tp
            else "no valid run"
        )
        if s["invalid_runs"]:
            tp_cell += f"; runs {s['invalid_runs']} invalid (generator saturated)"
        queries = (
            ", ".join(
                f"{n} {v:.2f}" for n, v in s["db_queries_per_request"].items() if v is not None
            )
            or "-"
        )
        share = s["generator_share_max"]
        lines.append(
            f"| {row_label(r)} | {tp_cell} | {_fmt(s['p50_ms'])} / {_fmt(s['p95_ms'])} / "
            f"{_fmt(s['p99_ms'])} | {s['failures']} of {s['requests']:,} | "
            f"{s['business_outcomes'].get('out_of_stock', 0)} | {tiers_cell(s)} | {queries} | "
            f"{bottleneck_cell(s)} | {_fmt(100 * share if share is not None else None)}% | "
            f"{_pct(s.get('foreign_share_stage_max'))} / "
            f"{_pct(s.get('foreign_share_generator_max'))} | "
            f"{gain(r, base) if base else '-'} |"
        )
    lines += ["", *spread_checks(rows)]
    lines += [
        "",
        "Every run (invalid ones included, marked):",
        "",
        "| stage | run | req/s | p50 / p95 / p99 ms | failures | generator (of a core) | "
        "other processes on stage CPUs | bound req/s | valid |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=row_order):
        for run in r["runs"]:
            noise = run.get("interference", {}).get("foreign_share_stage_cpus")
            bound = (run.get("bottleneck") or {}).get("bound_rps")
            lines.append(
                f"| {row_label(r)} | {run['run']} | {run['throughput_rps']:.1f} | "
                f"{run['p50_ms']:.0f} / {run['p95_ms']:.0f} / {run['p99_ms']:.0f} | "
                f"{run['failures']} | {_pct(run['generator'].get('share_of_one_core'))} | "
                f"{_pct(noise)} | {_fmt(bound)} | {'yes' if run.get('valid') else 'NO'} |"
            )
    lines.append("")
    lines.append("Reproduce (one line per row, run on the machine described above):")
    lines.append("")
    for r in sorted(rows, key=row_order):
        code = r["code"]
        dirty = ", uncommitted changes" if code["dirty"] else ""
        lines.append(
            f"- {row_label(r)}: `{r['command']}` — commit `{code['commit'][:10]}`"
            f"{dirty}, {r['created_at']}, `{Path(r['_path']).name}` in results/latest/"
        )
    return lines


def scale_out_source(rows: list[dict[str, Any]], stage: str) -> dict[str, Any] | None:
    """The result of STAGE whose demands the scale-out bound uses: most nodes, no kill."""
    candidates = [
        r
        for r in rows
        if r["stage"] == stage
        and r.get("cluster")
        and (r.get("settings") or {}).get("kill_node_at") is None
        and any(v is not None for v in r["summary"]["demand_ms"].values())
    ]
    return max(candidates, key=lambda r: (r.get("nodes") or 0, r["created_at"]), default=None)


def scale_out_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Per stage with several identical app nodes: the bound for 1, 2, 3, 6, 12 nodes."""
    lines: list[str] = []
    for stage in sorted({r["stage"] for r in rows if r.get("cluster")}):
        source = scale_out_source(rows, stage)
        if source is None:
            continue
        s = source["summary"]
        demands = {n: v / 1000 for n, v in s["demand_ms"].items() if v is not None}
        services = (source.get("target") or {}).get("services", {})
        cpusets = {n: services.get(n, {}).get("declared_cpuset") for n in demands}
        apps = [n for n in source["cluster"]["nodes"] if n in demands]
        table = demand.scale_out(
            demands, cpusets, apps, int(source["machine"].get("logical_cpus") or 1)
        )
        measured = {
            r.get("nodes"): r["summary"]["throughput_rps"]
            for r in rows
            if r["stage"] == stage
            and r["summary"]["throughput_rps"]
            and (r.get("settings") or {}).get("kill_node_at") is None
        }
        d_app = 1000 * sum(demands[n] for n in apps)
        lines += [
            "",
            f"**{stage}: scale-out bound — computed from measured service demands, not "
            "measured.** The app nodes' CPU per request adds up to D_app = "
            f"{d_app:.2f} ms ({' + '.join(apps)}, in `{row_label(source)}`); N nodes of one "
            "core each bound the app tier at N / D_app. Every other server keeps its declared "
            "cores: X(N) = min(N / D_app, cores / D of each other server).",
            "",
            "| app nodes | bound req/s | bottleneck | app tier alone (N / D_app) | "
            "measured req/s (median, this machine) |",
            "|---|---|---|---|---|",
        ]
        for row in table:
            tp = measured.get(row.nodes)
            lines.append(
                f"| {row.nodes} | {_fmt(row.bound_rps)} | {'+'.join(row.bottleneck) or '-'} | "
                f"{_fmt(row.app_bound_rps)} | {_fmt(tp['median'], 1) if tp else '-'} |"
            )
        lines += [
            "",
            f"Demands from: `{source['command']}` (commit `{source['code']['commit'][:10]}`, "
            f"{source['created_at']}). On a machine with fewer cores than the declared "
            "servers, the measured column cannot follow the bound: the nodes share a core.",
        ]
    return lines


def machine_lines(results: list[dict[str, Any]]) -> list[str]:
    m = results[-1]["machine"]
    return [
        f"- CPU: {m['cpu_model']}, {m['logical_cpus']} logical CPUs; memory {m['memory_gb']} GB; "
        f"kernel {m['kernel']}; Python {m['python']}",
        "- Stage on CPU(s) `--stage-cpus`, Locust on `--generator-cpus` (taskset); see each "
        "command. Load average at the start of each result is in its file "
        "(`machine.load_average_at_start`): this machine is shared, so other work adds noise.",
    ]


def calibration_lines(calibration: dict[str, Any] | None) -> list[str]:
    if calibration is None:
        return [
            "No calibration yet: run `shop bench calibrate`; until then the ceiling of the "
            "load generator on this machine is unknown."
        ]
    spread = calibration["ceiling_spread"]
    shares = [r.get("foreign_share_generator_cpus") for r in calibration.get("runs", [])]
    known = [x for x in shares if x is not None]
    noise = (
        f" During calibration other processes took up to {100 * max(known):.0f}% of the "
        "generator's CPU, so the ceiling of a quiet machine is higher."
        if known and max(known) > 0.1
        else ""
    )
    return [
        f"**Measurement ceiling: {_fmt(calibration['ceiling_rps'])} req/s** (runs "
        f"{_fmt(spread['min'])}-{_fmt(spread['max'])}): one Locust core against nginx serving "
        "a 2 KB file. A stage figure near it measures the generator, not the shop." + noise,
        "",
        f"Reproduce: `{calibration['command']}` — commit `{calibration['code']['commit'][:10]}`, "
        f"{calibration['created_at']}.",
    ]


def render_markdown(results: list[dict[str, Any]], charts: dict[str, list[str]]) -> str:
    calibration = next((r for r in results if r.get("kind") == "calibration"), None)
    benches = [r for r in results if r.get("kind") == "bench"]
    lines = [
        "# Benchmark results",
        "",
        "Generated by `shop report` from `results/latest/*.json`; do not edit by hand. "
        "Method and pitfalls: [benchmarking.md](benchmarking.md).",
        "",
        "## Machine",
        "",
        *machine_lines(results),
        "",
        "## Measurement ceiling",
        "",
        *calibration_lines(calibration),
        "",
    ]
    for workload in sorted({r["workload"] for r in benches}):
        rows = [r for r in benches if r["workload"] == workload]
        lines += [f"## Workload: {workload}", "", *workload_table(rows), *scale_out_lines(rows), ""]
        for image in charts.get(workload, []):
            lines += [f"![{workload}: {Path(image).stem}](img/{Path(image).name})", ""]
    lines += [
        "## Reading the table",
        "",
        "- req/s: requests completed per second in the measured window, median over the "
        "valid runs; spread = (max - min) / median.",
        "- CPU ms/request by tier: the service demand D of each service (its CPU time in the "
        "window / requests). Tiers that share a declared CPU set are one server; the server "
        "with the lowest cores / ΣD bound is the bottleneck, and the bound is the throughput "
        "at which it saturates. U = measured throughput x ΣD / cores.",
        "- other processes on stage / generator CPUs: the share of those CPUs' time used by "
        "processes that are not the stage (or not the generator) during the window: the noise "
        "of a shared machine. Throughput suffers from it; CPU ms/request much less.",
        "- out of stock: answers 409 out_of_stock, an expected outcome, not a failure.",
        "- gain vs stage01: ratio of medians, in brackets the range the runs allow "
        "(min/max to max/min).",
        "",
    ]
    return "\n".join(lines)


def write_report(results_dir: Path, docs_dir: Path) -> list[Path]:
    from common.bench.charts import draw_charts

    results = load_results(results_dir)
    if not results:
        raise SystemExit(f"no results in {results_dir}/latest: run `shop bench STAGE` first")
    benches = [r for r in results if r.get("kind") == "bench"]
    calibration = next((r for r in results if r.get("kind") == "calibration"), None)
    charts = draw_charts(benches, calibration, docs_dir / "img")
    page = docs_dir / "results.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(render_markdown(results, {w: [str(p) for p in ps] for w, ps in charts.items()}))
    return [page, *(p for ps in charts.values() for p in ps)]
