"""What the Elasticsearch launcher prepares, without starting the server: settings from the
compose environment as the image reads them, the runner's address, ports and paths winning,
mounted config files in place, and every directory owned by the server's own user."""

from __future__ import annotations

import pwd
import shutil
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from common.runtime.compose import load_stage
from common.runtime.errors import ComposeError
from common.runtime.launchers.elasticsearch import ES_USER, elasticsearch_home
from common.runtime.plan import StagePlan, plan_stage
from common.runtime.users import remove_linked_dirs

COMPOSE = """
services:
  search:
    image: docker.elastic.co/elasticsearch/elasticsearch:9.5.3
    environment:
      discovery.type: single-node
      indices.query.bool.max_clause_count: "2048"
      http.port: "1"
      ES_JAVA_OPTS: -Xms256m -Xmx256m
    volumes: ["./synonyms.txt:/usr/share/elasticsearch/config/analysis/synonyms.txt:ro"]
"""


@pytest.fixture
def workdir() -> Iterator[Path]:
    # Mode 0700, as pytest's basetemp is: the launcher must make the server's directories
    # where its user can reach them.
    path = Path(tempfile.mkdtemp(prefix="shop-es-launcher-"))
    yield path
    remove_linked_dirs(path)
    shutil.rmtree(path, ignore_errors=True)


def plan(workdir: Path, compose: str) -> StagePlan:
    if elasticsearch_home() is None:
        pytest.fail("Elasticsearch is not installed: run `make search`")
    stage_dir = workdir / "mini"
    stage_dir.mkdir()
    (stage_dir / "compose.yaml").write_text(textwrap.dedent(compose))
    (stage_dir / "synonyms.txt").write_text("mug, cup\n")
    stage_plan = plan_stage(load_stage(stage_dir), workdir / "run")
    stage_plan.materialize("search")
    return stage_plan


def test_the_runner_owns_address_ports_and_paths_the_compose_file_the_rest(
    workdir: Path,
) -> None:
    stage_plan = plan(workdir, COMPOSE)
    ctx = stage_plan.contexts["search"]
    spec = stage_plan.launchers["search"].prepare(ctx)

    config = Path(spec.env["ES_PATH_CONF"])
    settings = yaml.safe_load((config / "elasticsearch.yml").read_text())
    assert settings["http.port"] == ctx.host_port(9200) != 1
    assert settings["transport.port"] == ctx.host_port(9300)
    assert settings["network.host"] == "127.0.0.1"
    assert settings["discovery.type"] == "single-node"
    assert settings["indices.query.bool.max_clause_count"] == "2048"
    assert settings["xpack.security.enabled"] is False
    # The service's data directory (or the real one it links to, where the server's user
    # could not reach the run dir: common/runtime/users.py).
    assert Path(settings["path.data"]) == (ctx.data_dir / "data").resolve()
    assert (config / "analysis" / "synonyms.txt").read_text() == "mug, cup\n"
    assert (config / "jvm.options").is_file()  # the distribution's own config, copied

    assert spec.env["ES_JAVA_OPTS"] == "-Xms256m -Xmx256m"
    assert Path(spec.env["ES_TMPDIR"]).is_dir()
    assert "ES_JAVA_HOME" in spec.env
    assert spec.argv[-1].endswith("bin/elasticsearch")  # foreground: no -d
    assert (spec.user, spec.group) == (ES_USER, ES_USER)
    uid = pwd.getpwnam(ES_USER).pw_uid
    for path in (config, config / "elasticsearch.yml", Path(settings["path.logs"])):
        assert path.stat().st_uid == uid


def test_the_heap_defaults_to_512_mb(workdir: Path) -> None:
    stage_plan = plan(workdir, "services: {search: {image: elasticsearch:9.5.3}}")
    spec = stage_plan.launchers["search"].prepare(stage_plan.contexts["search"])
    assert spec.env["ES_JAVA_OPTS"] == "-Xms512m -Xmx512m"


def test_a_command_is_refused_with_where_settings_go(workdir: Path) -> None:
    stage_plan = plan(
        workdir, "services: {search: {image: elasticsearch:9.5.3, command: [-Ex.y=z]}}"
    )
    with pytest.raises(ComposeError, match="environment"):
        stage_plan.launchers["search"].prepare(stage_plan.contexts["search"])
