"""Keep the product index in step with the catalog.

A full reindex never leaves the shop without an index: it builds a new, versioned index
(``products-<time in ns>``) next to the live one, and only when it is complete moves the
alias the shop searches (``products``) to it in one atomic alias update; the old indices are
deleted after that. A failed reindex deletes its half-built index and leaves the alias alone.

Event-fed writes (``write``: some products' current state and deletions in one bulk request;
``upsert``, ``delete`` for one) go through the alias.
While a reindex runs they also go to the index being built (through a second alias,
``products-building``), and the reindex only *creates* documents: a document an event wrote
during the build is newer than the reindex's copy, which is then skipped, so no change made
during a reindex is lost by the swap. (A delete during a reindex can be undone by the
reindex's older copy if that is written after the delete; the shop does not delete products,
and the next reindex or event corrects it.)
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from elasticsearch import Elasticsearch, helpers

from common.adapters.search.client import translated_errors
from common.adapters.search.documents import document_id, product_document
from common.adapters.search.errors import SearchIndexMissing, SearchUnavailable
from common.adapters.search.mapping import MAPPINGS, index_settings
from common.domain.models import Product

# (documents written so far, total or None when the caller does not know it)
Progress = Callable[[int, int | None], None]

DEFAULT_ALIAS = "products"
_CHUNK = 500
_ALREADY_THERE = 409  # `create` of a document an event wrote during the build


class SearchIndexer:
    def __init__(self, client: Elasticsearch, alias: str = DEFAULT_ALIAS) -> None:
        self._es = client
        self.alias = alias
        self.building_alias = f"{alias}-building"
        self._versioned = re.compile(rf"^{re.escape(alias)}-\d+$")

    # ---- full reindex ------------------------------------------------------------------------

    def reindex(
        self,
        products: Iterable[Product],
        total: int | None = None,
        progress: Progress | None = None,
    ) -> str:
        """Index every product into a new index, then point the alias at it; returns its name.

        ``products`` should be read lazily (a generator over the database): what it yields
        after this call started is current, and changes made meanwhile arrive through
        ``upsert`` into the new index too.
        """
        report = progress or (lambda _done, _total: None)
        new_index = f"{self.alias}-{time.time_ns()}"
        with translated_errors(f"creating {new_index}"):
            self._es.indices.create(
                index=new_index,
                settings={**index_settings(), "refresh_interval": "-1"},  # refresh once, at the end
                mappings=MAPPINGS,
                aliases={self.building_alias: {}},
            )
        try:
            written = self._load(new_index, products, total, report)
            with translated_errors(f"refreshing {new_index}"):
                self._es.indices.put_settings(
                    index=new_index, settings={"index": {"refresh_interval": None}}
                )
                self._es.indices.refresh(index=new_index)
            old_indices = self.live_indices()
            self._swap(new_index, old_indices)
        except BaseException:
            self._delete_quietly([new_index])
            raise
        self._delete_quietly(self._stale(keep=new_index))
        report(written, total)
        return new_index

    def _load(
        self, index: str, products: Iterable[Product], total: int | None, report: Progress
    ) -> int:
        def actions() -> Iterator[dict[str, Any]]:
            for product in products:
                yield {
                    "_op_type": "create",
                    "_index": index,
                    "_id": document_id(product.id),
                    "_source": product_document(product),
                }

        done = 0
        with translated_errors(f"bulk indexing into {index}"):
            results = helpers.streaming_bulk(
                self._es, actions(), chunk_size=_CHUNK, raise_on_error=False, max_retries=2
            )
            for ok, item in results:
                if not ok and item["create"].get("status") != _ALREADY_THERE:
                    raise SearchUnavailable(f"bulk indexing into {index} failed: {item}")
                done += 1
                if done % _CHUNK == 0:
                    report(done, total)
        return done

    def _swap(self, new_index: str, old_indices: list[str]) -> None:
        """One atomic alias update: searches see the old index or the new one, never none."""
        actions: list[dict[str, Any]] = [
            {"remove": {"index": old, "alias": self.alias}} for old in old_indices
        ]
        actions += [
            {"add": {"index": new_index, "alias": self.alias}},
            {"remove": {"index": new_index, "alias": self.building_alias}},
        ]
        with translated_errors(f"moving alias {self.alias} to {new_index}"):
            self._es.indices.update_aliases(actions=actions)

    def drop(self) -> None:
        """Delete every index of this alias (and so the alias): for throwaway indices."""
        indices = sorted({*self._stale(keep=""), *self.live_indices()})
        if indices:
            with translated_errors(f"dropping {self.alias}"):
                self._es.indices.delete(index=",".join(indices), ignore_unavailable=True)

    def live_indices(self) -> list[str]:
        """The indices the alias points at now (one, normally; none before the first reindex)."""
        with translated_errors(f"reading alias {self.alias}"):
            if not self._es.indices.exists_alias(name=self.alias):
                return []
            return sorted(self._es.indices.get_alias(name=self.alias).body)

    def _stale(self, keep: str) -> list[str]:
        """Versioned indices of this alias other than `keep`: the replaced ones and any left
        by a reindex that was killed half-way."""
        with translated_errors(f"listing {self.alias} indices"):
            names = self._es.indices.get(index=f"{self.alias}-*", expand_wildcards="open").body
        return sorted(n for n in names if n != keep and self._versioned.match(n))

    def _delete_quietly(self, indices: list[str]) -> None:
        # Cleanup after the real outcome: a failure here must not hide it.
        if indices:
            with contextlib.suppress(Exception):
                self._es.indices.delete(index=",".join(indices), ignore_unavailable=True)

    # ---- single documents (event-fed) ------------------------------------------------------

    def upsert(self, product: Product) -> None:
        """Index the product's current state (insert or replace)."""
        self.write([product], [])

    def delete(self, product_id: int) -> None:
        """Remove a product from search; deleting one that is not there is fine."""
        self.write([], [product_id])

    def write(self, products: Iterable[Product], deleted: Iterable[int]) -> None:
        """Index these products' current state and remove these ids, in one bulk request:
        on the live alias and, if a reindex runs, on the index it builds too.
        ``require_alias`` makes a missing alias an error instead of letting Elasticsearch
        create a concrete index of that name with guessed field types."""
        products, deleted = list(products), list(deleted)
        operations: list[dict[str, Any]] = []
        for target in (self.alias, self.building_alias):
            for product in products:
                doc = {"_index": target, "_id": document_id(product.id), "require_alias": True}
                operations += [{"index": doc}, product_document(product)]
            for product_id in deleted:
                operations.append({"delete": {"_index": target, "_id": document_id(product_id)}})
        if not operations:
            return
        what = f"writing {len(products) + len(deleted)} products to {self.alias}"
        with translated_errors(what):
            response = self._es.bulk(operations=operations)
        if not response["errors"]:
            return
        results = [next(iter(item.values())) for item in response["items"]]
        live, building = results[: len(results) // 2], results[len(results) // 2 :]
        if all(_alias_missing(result) for result in building):
            building = []  # no reindex running
        for result in [*live, *building]:
            if _alias_missing(result):
                raise SearchIndexMissing(f"{what}: no search index yet (run a reindex)")
            if result.get("status", 500) >= 300 and "error" in result:
                raise SearchUnavailable(f"{what} failed: {result['error']}")

    def count(self) -> int:
        """Documents in the live index (what searches see, up to the last refresh)."""
        with translated_errors(f"counting {self.alias}"):
            return int(self._es.count(index=self.alias)["count"])

    def refresh(self) -> None:
        """Make every write so far searchable now (tests; the shop waits the 1 s refresh)."""
        with translated_errors(f"refreshing {self.alias}"):
            self._es.indices.refresh(index=self.alias)


def _alias_missing(result: dict[str, Any]) -> bool:
    return bool(result.get("error", {}).get("type") == "index_not_found_exception")
