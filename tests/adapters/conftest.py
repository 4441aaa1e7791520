"""Real servers for adapter contract tests, started once per session by the runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from common.adapters.s3_files import S3FileStore
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
