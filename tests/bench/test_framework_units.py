"""Pieces of `shop bench framework` that need no servers."""

from __future__ import annotations

from common.bench.framework import Variant, Window, gunicorn_argv

STAGE04_NODE = [
    "gunicorn", "--bind", "127.0.0.1:40001", "--workers", "2", "--worker-class", "gthread",
    "--threads", "4", "--keep-alive", "75", "--access-logfile", "-",
    "stage04_cluster.app:create_app()",
]  # fmt: skip


def test_the_bare_app_gets_the_stages_command_line_with_its_own_port() -> None:
    argv = gunicorn_argv(STAGE04_NODE, "common.bench.bare_flask:create_app()", 5000, "")
    assert argv == [
        "gunicorn", "--bind", "127.0.0.1:5000", "--workers", "2", "--worker-class", "gthread",
        "--threads", "4", "--keep-alive", "75", "--access-logfile", "-",
        "common.bench.bare_flask:create_app()",
    ]  # fmt: skip


def test_options_given_replace_the_stages_own() -> None:
    argv = gunicorn_argv(
        STAGE04_NODE, "x.app:create_app()", 5000, "--worker-class gevent --workers 1"
    )
    assert argv.count("--worker-class") == 1 and argv.count("--workers") == 1
    assert argv[argv.index("--worker-class") + 1] == "gevent"
    assert argv[argv.index("--workers") + 1] == "1"
    assert argv[-1] == "x.app:create_app()" and "--threads" in argv


def test_ratios_pair_the_windows_of_one_rotation() -> None:
    variant = Variant("anonymous", None)
    for shop, bare in ((100.0, 200.0), (150.0, 200.0), (90.0, 100.0)):
        variant.windows += [Window("shop", shop, 1000, 0, 3), Window("bare", bare, 1000, 0)]
    assert variant.ratios() == [0.5, 0.75, 0.9]
    summary = variant.summary()
    assert summary["ratio_median"] == 0.75
    assert summary["db_questions_per_request_median"] == 0.003


def test_the_report_shows_each_server_against_the_bare_app_with_its_command() -> None:
    from common.bench.report import framework_lines

    variant = Variant("anonymous", None)
    for shop, gevent, bare in ((100.0, 180.0, 200.0), (120.0, 190.0, 200.0)):
        variant.windows += [
            Window("shop", shop, 1000, 0, 1),
            Window("shop+gevent", gevent, 1000, 0, 1),
            Window("bare", bare, 1000, 0),
        ]
    result = {
        "stage": "stage03_cache",
        "command": "shop bench framework stage03_cache --server gevent=--worker-class gevent",
        "code": {"commit": "0123456789abcdef", "dirty": False},
        "created_at": "2026-11-30T02:00:00Z",
        "variants": [variant.summary("shop"), variant.summary("shop+gevent")],
    }
    text = "\n".join(framework_lines([result]))
    declared = "| stage03_cache | anonymous | as declared at its commit | 0.55 (0.50-0.60) | 110 |"
    assert declared in text
    assert "| stage03_cache | anonymous | gevent | 0.93 (0.90-0.95) | 185 | 200 |" in text
    assert "`shop bench framework stage03_cache --server gevent=--worker-class gevent`" in text
    assert "`0123456789`" in text
    assert framework_lines([]) == []
