"""A visitor's private HTTP cache, as a browser keeps one (RFC 9111, the parts pages use).

Pure and Locust-free (unit-tested). One instance per simulated visitor; a new visitor starts
with an empty one. The rules:

* A fresh response is reused with **no request**. Freshness: ``Cache-Control: max-age`` (minus
  ``Age``), else ``Expires`` - ``Date``, else, for a 200 with ``Last-Modified``, 10 % of the
  time since it was last modified (the heuristic browsers use). ``no-cache`` means zero.
  ``immutable`` adds nothing here: it only spares a revalidation on a user's reload, which
  the model's visitors never do.
* A stale response with a validator is **revalidated**: ``If-None-Match`` (ETag) and/or
  ``If-Modified-Since`` (Last-Modified); a 304 refreshes the stored headers and freshness.
* Not stored: ``no-store``, ``Vary: *``, ``Vary`` on Cookie (a browser keys those by cookie; the
  model does not), responses other than 200, and responses with neither freshness nor a
  validator (nothing to gain). Bodies are kept only when asked (HTML, to parse a page served
  by a 304); an image's bytes are never needed again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

HEURISTIC_FRACTION = 0.10

FRESH, REVALIDATE, MISS = "fresh", "revalidate", "miss"


def cache_control(headers: Mapping[str, str]) -> dict[str, str | None]:
    """``max-age=60, public`` -> {"max-age": "60", "public": None} (directives lower-cased)."""
    directives: dict[str, str | None] = {}
    for part in headers.get("cache-control", "").split(","):
        name, sep, value = part.strip().partition("=")
        if name:
            directives[name.lower()] = value.strip().strip('"') if sep else None
    return directives


def _seconds(value: str | None) -> float | None:
    try:
        return float(int(value)) if value is not None else None
    except ValueError:
        return None


def _date(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None


def freshness_lifetime(headers: Mapping[str, str], status: int = 200) -> float:
    """Seconds a response stays fresh from when it was received (RFC 9111 4.2.1, 4.2.2)."""
    directives = cache_control(headers)
    if "no-cache" in directives or "no-store" in directives:
        return 0.0
    age = _seconds(headers.get("age")) or 0.0
    max_age = _seconds(directives.get("max-age"))
    if max_age is not None:
        return max(max_age - age, 0.0)
    date = _date(headers.get("date"))
    expires = _date(headers.get("expires"))
    if expires is not None:
        return max(expires - (date if date is not None else time.time()) - age, 0.0)
    modified = _date(headers.get("last-modified"))
    if status == 200 and modified is not None and date is not None:
        return max(HEURISTIC_FRACTION * (date - modified) - age, 0.0)
    return 0.0


def storable(status: int, headers: Mapping[str, str]) -> bool:
    if status != 200 or "no-store" in cache_control(headers):
        return False
    vary = {v.strip().lower() for v in headers.get("vary", "").split(",") if v.strip()}
    if "*" in vary or "cookie" in vary:
        return False
    has_validator = bool(headers.get("etag") or headers.get("last-modified"))
    return has_validator or freshness_lifetime(headers, status) > 0


@dataclass
class Entry:
    headers: dict[str, str]  # lower-case names; a 304 updates them
    fresh_until: float  # on the cache's clock
    body: bytes | None = None


@dataclass(frozen=True)
class Lookup:
    kind: str  # FRESH (no request), REVALIDATE (conditional request), MISS (plain request)
    headers: dict[str, str] = field(default_factory=dict)  # conditional request headers
    entry: Entry | None = None


class HttpCache:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.entries: dict[str, Entry] = {}

    def clear(self) -> None:
        self.entries.clear()

    def lookup(self, url: str) -> Lookup:
        entry = self.entries.get(url)
        if entry is None:
            return Lookup(MISS)
        if self.clock() < entry.fresh_until:
            return Lookup(FRESH, entry=entry)
        conditional = {}
        if entry.headers.get("etag"):
            conditional["If-None-Match"] = entry.headers["etag"]
        if entry.headers.get("last-modified"):
            conditional["If-Modified-Since"] = entry.headers["last-modified"]
        return Lookup(REVALIDATE, conditional, entry) if conditional else Lookup(MISS)

    def store(
        self,
        url: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes | None = None,
        received_at: float | None = None,
    ) -> Entry | None:
        """Keep (or refresh, on a 304) the response to a GET of ``url``; returns the entry
        that answers it, or None when there is nothing to keep."""
        now = self.clock() if received_at is None else received_at
        lowered = {k.lower(): v for k, v in headers.items()}
        if status == 304:
            entry = self.entries.get(url)
            if entry is None:
                return None
            entry.headers.update(lowered)
            entry.fresh_until = now + freshness_lifetime(entry.headers)
            return entry
        if not storable(status, lowered):
            self.entries.pop(url, None)  # a newer answer said not to keep the old one
            return None
        entry = Entry(lowered, now + freshness_lifetime(lowered, status), body)
        self.entries[url] = entry
        return entry
