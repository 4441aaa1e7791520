"""Real servers for adapter contract tests, started once per session by the runner."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch
from sqlalchemy import Engine

from common.adapters.s3_files import S3FileStore
from common.adapters.search.client import make_client
from common.adapters.search.indexer import SearchIndexer
from common.adapters.sql.engine import make_engine
from common.adapters.sql.schema import create_schema, metadata
from common.runtime.compose import load_stage
from common.runtime.state import RunState
from common.runtime.supervisor import Supervisor

HERE = Path(__file__).parent


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunState]:
    supervisor = Supervisor(
        load_stage(HERE / "compose.yaml"), run_dir=tmp_path_factory.mktemp("run")
    )
    try:
        yield supervisor.up(timeout=120)
    finally:
        supervisor.down(purge=True)


@pytest.fixture(scope="session")
def search_supervisor() -> Iterator[Supervisor]:
    """One Elasticsearch for the session (search/compose.yaml), apart from the servers above:
    only the search tests wait the ~10-40 s it takes to start.

    Its run dir is not under pytest's basetemp: the server runs as its own user, who must be
    let through the mode-0700 /tmp/pytest-of-<user>, and every pytest session that starts
    meanwhile (another checkout's, on a shared machine) chmods that back, locking it out."""
    run_dir = Path(tempfile.mkdtemp(prefix="shop-search-tests-"))
    supervisor = Supervisor(load_stage(HERE / "search" / "compose.yaml"), run_dir=run_dir)
    try:
        supervisor.up(timeout=240)
        yield supervisor
    finally:
        supervisor.down(purge=True)
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture(scope="session")
def search_url(search_supervisor: Supervisor) -> str:
    state = search_supervisor.status()
    assert state is not None
    return f"http://127.0.0.1:{state.services['search'].ports[9200]}"


@pytest.fixture(scope="session")
def search_client(search_url: str) -> Elasticsearch:
    return make_client(search_url, timeout=30.0)


@contextmanager
def own_alias(client: Elasticsearch) -> Iterator[str]:
    """An alias nobody else uses, its indices deleted afterwards: tests never see each
    other's documents."""
    alias = f"test-{uuid.uuid4().hex[:10]}"
    try:
        yield alias
    finally:
        SearchIndexer(client, alias).drop()


@pytest.fixture
def search_alias(search_client: Elasticsearch) -> Iterator[str]:
    with own_alias(search_client) as alias:
        yield alias


@pytest.fixture(scope="module")
def module_search_alias(search_client: Elasticsearch) -> Iterator[str]:
    """One alias for a module whose tests only read the same few products."""
    with own_alias(search_client) as alias:
        yield alias


@pytest.fixture(scope="session")
def mariadb_url(servers: RunState) -> str:
    port = servers.services["db"].ports[3306]
    return f"mysql+pymysql://shop:shop@127.0.0.1:{port}/shop"


@pytest.fixture(scope="session")
def redis_url(servers: RunState) -> str:
    port = servers.services["cache"].ports[6379]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.servers)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty shop schema on each real SQL backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'shop.db'}"
    else:
        url = request.getfixturevalue("mariadb_url")
    engine = make_engine(url, pool_size=20)
    metadata.drop_all(engine)
    create_schema(engine, metadata.sorted_tables)  # every owner's tables (stage06 included)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def minio_endpoint(servers: RunState) -> tuple[str, str, str]:
    """(endpoint URL, access key, secret key) of the test MinIO server."""
    minio = servers.services["minio"]
    return (
        f"http://127.0.0.1:{minio.ports[9000]}",
        minio.env["MINIO_ROOT_USER"],
        minio.env["MINIO_ROOT_PASSWORD"],
    )


@pytest.fixture
def s3_store_factory(minio_endpoint: tuple[str, str, str]) -> Callable[[str], S3FileStore]:
    """S3FileStores on the test MinIO, one bucket name each (created by the test)."""
    endpoint, access_key, secret_key = minio_endpoint

    def make(bucket: str) -> S3FileStore:
        return S3FileStore(endpoint, access_key=access_key, secret_key=secret_key, bucket=bucket)

    return make
