"""What the search adapter raises when Elasticsearch cannot answer."""

from __future__ import annotations

from common.domain.errors import Unavailable


class SearchUnavailable(Unavailable):
    """Elasticsearch is unreachable or refused the request. The shop answers the search from
    SQL instead; left uncaught it is a 503, never a 500."""


class SearchIndexMissing(SearchUnavailable):
    """The alias the shop searches does not exist yet: a full reindex creates it."""
