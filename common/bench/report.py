"""`shop report`: results/latest/*.json -> docs/results.md (tables), docs/bounds.md (the bound
table the lessons quote) and docs/img/*.png.

Every figure printed comes from a result file, next to the command that reproduces it;
nothing is rounded up or typed in by hand. Each result is derived again by today's rules
(derive.py) before it is printed, so old and new files read alike, and what an old file did
not record is said to be missing.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from common.bench import bounds
from common.bench.derive import derive_result
from common.bench.results import load_results, row_label, row_order

BASELINE_STAGE = "stage01_single"
SPREAD_TARGET_PCT = 10.0
NOISY_SHARE = 0.05  # other processes' share of the stage CPUs worth blaming for a spread


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


def bottleneck_cell(result: dict[str, Any]) -> str:
    """The bound with the declared servers: computed, so never called a measurement."""
    worst = bounds.result_bound(result)
    if not worst:
        return "-"
    cores = worst["cores"]
    return (
        f"{'+'.join(worst['tiers'])} ({cores} declared core{'s' if cores != 1 else ''}, "
        f"{worst['demand_ms']:.2f} ms/request): {_fmt(worst['bound_rps'])} req/s"
    )


def utilisation_cell(summary: dict[str, Any]) -> str:
    """U on the CPUs the run really had: the stage's own share (and everyone's, when other
    processes took a visible part)."""
    used = summary.get("utilisation")
    if not used:
        return "- (no CPU sampled)"
    cpus = len(used["cpus"])
    text = f"{_pct(used['stage'])} of {cpus} CPU{'s' if cpus != 1 else ''}"
    others = (used.get("busy") or 0.0) - (used.get("stage") or 0.0)
    if others >= 0.01:
        text += f" (with other processes: {_pct(used['busy'])})"
    return text


def servers_cell(summary: dict[str, Any]) -> str:
    fold = summary.get("folding")
    if not fold:
        return "-"
    return f"**{fold['text']}**" if fold["folded"] else str(fold["text"])


def counts_cell(summary: dict[str, Any]) -> str:
    return f"{summary['failures']} / {summary['retries']} of {summary['requests']:,}"


def outcomes_cell(summary: dict[str, Any]) -> str:
    outcomes = summary.get("business_outcomes") or {}
    return ", ".join(f"{k} {v:,}" for k, v in sorted(outcomes.items())) or "-"


def backlog_cell(result: dict[str, Any]) -> str:
    found = result["summary"].get("backlog")
    if (result.get("target") or {}).get("native") is False:
        return "not sampled (--host: servers not started here)"
    if found is None:
        return "not sampled (file predates it)"
    if not found["probes"]:
        return "none (no asynchronous server)"
    parts = []
    for name, probe in found["probes"].items():
        growth = probe.get("max_growth")
        grew = probe.get("grew_in_runs") or []
        text = f"{name} {'+' if (growth or 0) >= 0 else ''}{_fmt(growth, 1)} {probe['unit']}"
        parts.append(text + (f" (runs {grew} INVALID)" if grew else ""))
    return "; ".join(parts)


def throughput_cell(summary: dict[str, Any]) -> str:
    tp = summary["throughput_rps"]
    cell = (
        f"{_fmt(tp['median'], 1)} ({_fmt(tp['min'], 1)}-{_fmt(tp['max'], 1)}, "
        f"{tp['spread_pct']:.1f}%)"
        if tp
        else "no valid run"
    )
    reasons = summary.get("invalid_reasons") or {}
    if reasons:
        why = "; ".join(sorted({r for rs in reasons.values() for r in rs}))
        cell += f"; runs {summary['invalid_runs']} invalid ({why})"
    return cell


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


def measured_table(rows: list[dict[str, Any]]) -> list[str]:
    base = next((r for r in rows if r["stage"] == BASELINE_STAGE), None)
    lines = [
        "**Measured on this machine.**",
        "",
        "| stage | successful req/s median (min-max, spread) | p50 / p95 / p99 ms | "
        "failed / retried of requests | business outcomes | U of the real CPUs | "
        "servers | generator (max of a core) | other processes on stage / generator CPUs "
        "(max) | backlog growth in the window | gain vs stage01 |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=row_order):
        s = r["summary"]
        share = s["generator_share_max"]
        lines.append(
            f"| {row_label(r)} | {throughput_cell(s)} | {_fmt(s['p50_ms'])} / "
            f"{_fmt(s['p95_ms'])} / {_fmt(s['p99_ms'])} | {counts_cell(s)} | "
            f"{outcomes_cell(s)} | {utilisation_cell(s)} | {servers_cell(s)} | "
            f"{_fmt(100 * share if share is not None else None)}% | "
            f"{_pct(s.get('foreign_share_stage_max'))} / "
            f"{_pct(s.get('foreign_share_generator_max'))} | {backlog_cell(r)} | "
            f"{gain(r, base) if base else '-'} |"
        )
    return lines


def page_view_table(rows: list[dict[str, Any]]) -> list[str]:
    with_views = [r for r in sorted(rows, key=row_order) if r["summary"].get("page_views")]
    if not with_views:
        return []
    # The HTML mixed workload runs JSON API clients beside the browsers (workloads/mixed.py).
    api_clients = any(r["report_workload"] == "mixed" for r in with_views)
    lines = [
        "",
        "**Page views** (a page with the redirects it took and its stylesheets, scripts and "
        "images, fetched as a browser does through the visitor's HTTP cache):",
        "",
        "| stage | page views/s median | page view p50 / p95 / p99 ms | requests per page view | "
        "KB per page view | assets from the cache per page view | DB queries per page view | "
        "new visitors/s | failed page views |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in with_views:
        v = r["summary"]["page_views"]
        lines.append(
            f"| {row_label(r)} | {_fmt(v['views_per_s'], 1)} | {_fmt(v['p50_ms'])} / "
            f"{_fmt(v['p95_ms'])} / {_fmt(v['p99_ms'])} | {_fmt(v['requests_per_view'], 2)} | "
            f"{_fmt((v['bytes_per_view'] or 0) / 1024, 1)} | "
            f"{_fmt(v['cache_hits_per_view'], 2)} | {_fmt(v['db_queries_per_view'], 2)} | "
            f"{_fmt(v['new_visitors_per_s'], 1)} | {v['failures']} of {v['views']:,} |"
        )
    if api_clients:
        lines += [
            "",
            "DB queries per page view divide every statement of the window by the page views: "
            "where JSON API clients run beside the browsers (mixed), their statements are "
            "included.",
        ]
    return lines


def bound_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "**Computed from the measured demands** (the bound assumes the servers the stage's "
        "compose.yaml declares, one core per declared CPU; it is not a measurement):",
        "",
        "| stage | CPU ms/request by tier | DB queries/request | bottleneck and bound with the "
        "declared servers |",
        "|---|---|---|---|",
    ]
    for r in sorted(rows, key=row_order):
        s = r["summary"]
        queries = (
            ", ".join(
                f"{n} {v:.2f}" for n, v in s["db_queries_per_request"].items() if v is not None
            )
            or "-"
        )
        lines.append(f"| {row_label(r)} | {tiers_cell(s)} | {queries} | {bottleneck_cell(r)} |")
    return lines


def runs_table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "",
        "Every run (invalid ones included, marked):",
        "",
        "| stage | run | successful req/s | p50 / p95 / p99 ms | failed / retried | "
        "generator (of a core) | U of the real CPUs (stage / busy) | other processes on stage "
        "CPUs | bound req/s (declared servers) | valid |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=row_order):
        for run in r["runs"]:
            noise = run.get("interference", {}).get("foreign_share_stage_cpus")
            bound = (run.get("bottleneck") or {}).get("bound_rps")
            used = run.get("utilisation") or {}
            valid = "yes" if run.get("valid") else f"NO: {'; '.join(run['invalid_reasons'])}"
            lines.append(
                f"| {row_label(r)} | {run['run']} | {run['throughput_rps']:.1f} | "
                f"{run['p50_ms']:.0f} / {run['p95_ms']:.0f} / {run['p99_ms']:.0f} | "
                f"{run['counts']['failures']} / {run['counts']['retries']} | "
                f"{_pct(run['generator'].get('share_of_one_core'))} | "
                f"{_pct(used.get('stage'))} / {_pct(used.get('busy'))} | {_pct(noise)} | "
                f"{_fmt(bound)} | {valid} |"
            )
    return lines


def tree_note(result: dict[str, Any]) -> str:
    code = result["code"]
    if not code.get("dirty"):
        return ""
    if "allow_dirty" not in code:
        return ", **dirty tree** (uncommitted changes; recorded before the clean-tree rule)"
    paths = ", ".join(code.get("dirty_paths") or []) or "unknown paths"
    return f", **dirty tree** (`--allow-dirty`; changed: {paths})"


def reproduce_command(result: dict[str, Any]) -> str:
    """The command that measures the same today: an old JSON-only result's workload is now
    called NAME-api (derive.report_workload), so its recorded command is spelled that way."""
    command = str(result["command"])
    recorded, today = result["workload"], result.get("report_workload", result["workload"])
    if today != recorded:
        command = re.sub(
            rf"--workload {re.escape(recorded)}(?=\s|$)", f"--workload {today}", command
        )
        return f"`{command}` (recorded as `--workload {recorded}`)"
    return f"`{command}`"


def reproduce_lines(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["", "Reproduce (one line per row, run on the machine described above):", ""]
    for r in sorted(rows, key=row_order):
        lines.append(
            f"- {row_label(r)}: {reproduce_command(r)} — commit `{r['code']['commit'][:10]}`"
            f"{tree_note(r)}, {r['created_at']}, `{Path(r['_path']).name}` in results/latest/"
        )
    return lines


def workload_table(rows: list[dict[str, Any]]) -> list[str]:
    """Everything the report says about one workload's results (derived results)."""
    return [
        *measured_table(rows),
        *page_view_table(rows),
        *bound_table(rows),
        "",
        *spread_checks(rows),
        *runs_table(rows),
        *reproduce_lines(rows),
    ]


def scale_out_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Per stage with several identical app nodes: the bound for 1, 2, 3, 6, 12 nodes."""
    lines: list[str] = []
    for stage in bounds.clustered_stages(rows):
        table = bounds.scale_out_rows(rows, stage)
        if not table:
            continue
        widest = max((row for row in table if not row.projected), key=lambda r: r.nodes).source
        lines += [
            "",
            f"**{stage}: scale-out bound — computed from measured service demands, not "
            "measured.** A node count that was measured gets its own result's bound (the "
            "figure in the table above); the others are projected from the run with the most "
            f"nodes (`{row_label(widest)}`): its app nodes' CPU per request add up to D_app = "
            f"{bounds.app_demand_ms(widest):.2f} ms, N nodes of one core each bound the app "
            "tier at N / D_app, and every other server keeps its declared cores: X(N) = "
            "min(N / D_app, cores / D of each other server).",
            "",
            "| app nodes | bound req/s | bottleneck | app tier alone (N / D_app) | demands from | "
            "measured successful req/s (median, this machine) |",
            "|---|---|---|---|---|---|",
        ]
        for row in table:
            lines.append(
                f"| {row.nodes} | {_fmt(row.bound_rps)} | {'+'.join(row.bottleneck) or '-'} | "
                f"{_fmt(row.app_bound_rps)} | {bounds.source_text(row)} | "
                f"{_fmt(row.measured_rps, 1)} |"
            )
        lines += [
            "",
            "On a machine with fewer cores than the declared servers, the measured column "
            "cannot follow the bound: the nodes share a core.",
        ]
    return lines


def service_bound_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Per result of a stage with business services (no chaos): each service's demand, its
    instances' summed, and the bound for N instances."""
    lines: list[str] = []
    for result in bounds.ordered(rows):
        table = bounds.service_bounds(result)
        if not table or (result.get("settings") or {}).get("chaos"):
            continue
        counts = bounds.SERVICE_INSTANCES
        lines += [
            "",
            f"**{row_label(result)}: per-service demand and bound — computed from measured "
            "service demands, not measured.** A service's demand D is the CPU per request of "
            "its instances added up (the work a request costs it, whichever instance does it); "
            "N instances of one core each bound it at N / D.",
            "",
            "| service | instances in this run | D, CPU ms/request | "
            + " | ".join(f"bound with {n}, req/s" for n in counts)
            + " |",
            "|---|---|---|" + "---|" * len(counts),
        ]
        for b in table:
            lines.append(
                f"| {b.service} | {', '.join(b.instances)} | {_fmt(b.demand_ms, 2)} | "
                + " | ".join(_fmt(b.bounds_rps[n]) for n in counts)
                + " |"
            )
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
        f"Reproduce: `{calibration['command']}` — commit `{calibration['code']['commit'][:10]}`"
        f"{tree_note(calibration)}, {calibration['created_at']}.",
    ]


def workloads_in_order(benches: list[dict[str, Any]]) -> list[str]:
    return sorted({r["report_workload"] for r in benches})


def framework_lines(frameworks: list[dict[str, Any]]) -> list[str]:
    """`shop bench framework` results: a page of the shop against bare Flask rendering the same
    template, side by side in one rotation (per server, when several were compared)."""
    if not frameworks:
        return []
    lines = [
        "## Pages against the framework",
        "",
        "The product page of a stage and a bare Flask app rendering the same template with the "
        "same product, on the same gunicorn options and CPU, loaded in turn by wrk (its own "
        "CPU): shop/bare per repeat, median (min-max) over the repeats. A ratio of 1 would "
        "mean the shop costs what the framework costs.",
        "",
        "| stage | visitor | server | shop / bare, median (min-max) | shop req/s | bare req/s "
        "| DB statements per view | non-2xx |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for result in sorted(frameworks, key=lambda r: r["stage"]):
        for v in result["variants"]:
            server = (
                "as declared at its commit"
                if v["target"] == "shop"
                else v["target"].removeprefix("shop+")
            )
            lines.append(
                f"| {result['stage']} | {v['variant']} | {server} "
                f"| {_fmt(v['ratio_median'], 2)} ({_fmt(v['ratio_min'], 2)}-"
                f"{_fmt(v['ratio_max'], 2)}) | {_fmt(v['shop_rps_median'])} "
                f"| {_fmt(v['bare_rps_median'])} | {_fmt(v['db_questions_per_request_median'], 4)} "
                f"| {v['non_2xx']} |"
            )
    lines += ["", "Reproduce:", ""]
    for result in sorted(frameworks, key=lambda r: r["stage"]):
        lines.append(
            f"- {result['stage']}: `{result['command']}` — commit "
            f"`{result['code']['commit'][:10]}`{tree_note(result)}, {result['created_at']}"
        )
    return [*lines, ""]


def render_markdown(results: list[dict[str, Any]], charts: dict[str, list[str]]) -> str:
    """The page, from derived results (derive_result) and the charts drawn for them."""
    calibration = next((r for r in results if r.get("kind") == "calibration"), None)
    benches = [r for r in results if r.get("kind") == "bench"]
    lines = [
        "# Benchmark results",
        "",
        "Generated by `shop report` from `results/latest/*.json`; do not edit by hand. "
        "Method and pitfalls: [benchmarking.md](benchmarking.md); the bounds alone, as the "
        "lessons quote them: [bounds.md](bounds.md).",
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
    for workload in workloads_in_order(benches):
        rows = [r for r in benches if r["report_workload"] == workload]
        notes = sorted({r["workload_note"] for r in rows if r.get("workload_note")})
        lines += [f"## Workload: {workload}", ""]
        lines += [f"> Note: {note}." for note in notes] + ([""] if notes else [])
        lines += [*workload_table(rows), *scale_out_lines(rows), *service_bound_lines(rows), ""]
        for image in charts.get(workload, []):
            lines += [f"![{workload}: {Path(image).stem}](img/{Path(image).name})", ""]
    lines += framework_lines([r for r in results if r.get("kind") == "framework"])
    lines += [
        "## Reading the tables",
        "",
        "- successful req/s: requests the shop answered as designed per second of the measured "
        "window (business outcomes such as out of stock included), median over the valid runs; "
        "spread = (max - min) / median. Failed requests and client retries (a POST sent again "
        "with the same Idempotency-Key after no answer) are counted apart and not in it.",
        "- U of the real CPUs: the stage's own CPU time in the window / (window x the CPUs it "
        "really ran on); 'busy' adds what other processes used. A stage whose declared servers "
        "were folded onto fewer CPUs (servers column, in bold) is measured on those CPUs only.",
        "- CPU ms/request by tier: the service demand D of each service (its CPU time in the "
        "window / successful requests). Tiers that share a declared CPU set are one server; the "
        "declared server with the lowest cores / ΣD is the bottleneck, and its bound is the "
        "throughput at which it would saturate on the declared servers: computed, not measured.",
        "- backlog: replica lag or queued messages sampled at both edges of the window; a run "
        "whose backlog grew by more than the probe's tolerance is invalid.",
        "- other processes on stage / generator CPUs: the share of those CPUs' time used by "
        "processes that are not the stage (or not the generator) during the window: the noise "
        "of a shared machine. Throughput suffers from it; CPU ms/request much less.",
        "- gain vs stage01: ratio of medians, in brackets the range the runs allow "
        "(min/max to max/min).",
        "",
    ]
    return "\n".join(lines)


def render_bounds(benches: list[dict[str, Any]]) -> str:
    """docs/bounds.md: every result's bound and each clustered stage's scale-out table."""
    lines = [
        "# Bounds with the declared servers",
        "",
        "Generated by `shop report` from `results/latest/*.json`; do not edit by hand. The "
        "lessons quote their bound figures from this page. A bound is computed from measured "
        "CPU demands with the bottleneck law (X <= cores / D) for the servers a stage's "
        "compose.yaml declares; it is **not a measurement**. What was measured, and on how "
        "many real CPUs, is in [results.md](results.md).",
        "",
    ]
    for workload in workloads_in_order(benches):
        rows = bounds.ordered([r for r in benches if r["report_workload"] == workload])
        lines += [
            f"## {workload}",
            "",
            "| stage | declared servers (this run) | bottleneck | its CPU ms/request | bound req/s "
            "| measured successful req/s, median (this machine) | result |",
            "|---|---|---|---|---|---|---|",
        ]
        for r in rows:
            worst = bounds.result_bound(r)
            fold = r["summary"].get("folding") or {}
            tp = r["summary"]["throughput_rps"]
            lines.append(
                f"| {row_label(r)} | {fold.get('text', '-')} | "
                f"{'+'.join(worst['tiers']) if worst else '-'} | "
                f"{_fmt(worst['demand_ms'] if worst else None, 2)} | "
                f"{_fmt(worst['bound_rps'] if worst else None)} | "
                f"{_fmt(tp['median'] if tp else None, 1)} | `{Path(r['_path']).name}` |"
            )
        lines += [*scale_out_lines(rows), *service_bound_lines(rows), ""]
    return "\n".join(lines)


def write_report(results_dir: Path, docs_dir: Path) -> list[Path]:
    from common.bench.charts import draw_charts

    results = load_results(results_dir)
    if not results:
        raise SystemExit(f"no results in {results_dir}/latest: run `shop bench STAGE` first")
    results = [derive_result(r) if r.get("kind") == "bench" else r for r in results]
    benches = [r for r in results if r.get("kind") == "bench"]
    calibration = next((r for r in results if r.get("kind") == "calibration"), None)
    charts = draw_charts(benches, calibration, docs_dir / "img")
    page = docs_dir / "results.md"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(render_markdown(results, {w: [str(p) for p in ps] for w, ps in charts.items()}))
    bound_page = docs_dir / "bounds.md"
    bound_page.write_text(render_bounds(benches))
    return [page, bound_page, *(p for ps in charts.values() for p in ps)]
