"""The Elasticsearch client the shop uses: short timeouts, one retry, errors translated.

A search that cannot be answered quickly is better answered from SQL, so the client never
waits long: the request timeout is seconds, not the client's default, and a failure becomes
``SearchUnavailable``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from elastic_transport import TransportError
from elasticsearch import ApiError, Elasticsearch, NotFoundError

from common.adapters.search.errors import SearchIndexMissing, SearchUnavailable


def make_client(url: str, timeout: float = 5.0, retries: int = 1) -> Elasticsearch:
    """A client for one node (``http://127.0.0.1:9200``); nothing is sent until first use."""
    return Elasticsearch(url, request_timeout=timeout, max_retries=retries, retry_on_timeout=True)


@contextmanager
def translated_errors(what: str) -> Iterator[None]:
    """Turn the client's errors into the adapter's: ``what`` says which call failed."""
    try:
        yield
    except NotFoundError as exc:
        if exc.error in ("index_not_found_exception", "aliases_not_found_exception"):
            raise SearchIndexMissing(f"{what}: no search index yet (run a reindex)") from exc
        raise SearchUnavailable(f"{what}: not found ({exc})") from exc
    except (ApiError, TransportError) as exc:
        raise SearchUnavailable(f"{what}: Elasticsearch failed ({exc})") from exc
