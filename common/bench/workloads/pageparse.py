"""What a browser reads from an HTML page before rendering it: its subresources, forms, links.

Pure and Locust-free (unit-tested). The pages are restyled independently of the benchmark, so
nothing here knows an asset's URL: stylesheets, scripts and images are found by parsing, and
relative URLs are resolved against the page's URL.

Tags are found with one compiled regular expression rather than ``html.parser``: on the
shop's pages it is about ten times cheaper (0.06 ms against 0.7 ms for a 6 KB listing,
measured on the project's machine), and the load generator's CPU is the scarce resource of
a benchmark. Comments and the bodies of inline scripts and styles are removed first, and a
``>`` inside a quoted attribute value does not end a tag. What it does not do: run scripts,
read ``url(...)`` inside stylesheets, evaluate ``media`` queries.

Which images a browser fetches (the rules, stated in docs/benchmarking.md):
* ``<img src>`` without ``loading=lazy``: always.
* ``<img loading=lazy>``: only the first ``lazy_in_view`` of them in document order, the ones
  in the first screen; the visitor of the model does not scroll.
* ``<picture>``: its first ``<source>`` with a supported type and no ``media`` condition,
  else its ``<img>``. From a ``srcset``, the first candidate.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

STYLESHEET, SCRIPT, IMAGE = "stylesheet", "script", "image"
# What Chromium decodes: a <source> of another type is skipped, as a browser skips it.
SUPPORTED_IMAGE_TYPES = frozenset(
    {"", "image/avif", "image/webp", "image/png", "image/jpeg", "image/gif", "image/svg+xml"}
)

_TAG = re.compile(
    r"<(/?)(img|link|script|input|form|source|picture|a)\b((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.IGNORECASE,
)
_ATTRIBUTE = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_RAW_TEXT = re.compile(r"(<(script|style)\b[^>]*>).*?(</\2\s*>)", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True)
class Asset:
    url: str  # absolute
    kind: str  # stylesheet, script, image
    lazy: bool = False


@dataclass
class Form:
    action: str  # absolute: a form without action posts to the page's own URL
    method: str  # "get" or "post"
    fields: dict[str, str] = field(default_factory=dict)  # what submitting it sends


@dataclass
class Page:
    url: str
    assets: list[Asset] = field(default_factory=list)  # document order, each URL once
    forms: list[Form] = field(default_factory=list)
    links: list[str] = field(default_factory=list)  # absolute hrefs of <a>

    def form(self, action_path: str, method: str = "post") -> Form | None:
        """The first form that submits to ``action_path`` (a path such as "/cart")."""
        for form in self.forms:
            if form.method == method and urlsplit(form.action).path == action_path:
                return form
        return None

    def to_fetch(self, lazy_in_view: int) -> list[Asset]:
        """The subresources a browser requests for this page (lazy images: the first few)."""
        chosen, lazy_seen = [], 0
        for asset in self.assets:
            if asset.lazy:
                lazy_seen += 1
                if lazy_seen > lazy_in_view:
                    continue
            chosen.append(asset)
        return chosen


def attributes(text: str) -> dict[str, str]:
    """Attributes of one tag (names lower-cased, values unescaped; a bare name maps to "")."""
    found: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(text):
        name = match.group(1).lower()
        value = next((g for g in match.group(2, 3, 4) if g is not None), "")
        found.setdefault(name, html.unescape(value))
    return found


def first_candidate(srcset: str) -> str:
    """The first URL of a srcset ("a.webp 1x, b.webp 2x" -> "a.webp")."""
    first = srcset.split(",")[0].strip()
    return first.split()[0] if first else ""


def parse_page(text: str, url: str) -> Page:
    page = Page(url)
    seen: set[str] = set()
    text = _RAW_TEXT.sub(r"\1\3", _COMMENT.sub("", text))
    form: Form | None = None
    picture_source: str | None = None  # the chosen <source> of the open <picture>
    in_picture = False

    def add(raw_url: str, kind: str, lazy: bool = False) -> None:
        if not raw_url or raw_url.startswith(("data:", "#", "javascript:")):
            return
        absolute = urljoin(url, raw_url.strip())
        if absolute not in seen:
            seen.add(absolute)
            page.assets.append(Asset(absolute, kind, lazy))

    for match in _TAG.finditer(text):
        closing, tag, attrs_text = match.group(1) == "/", match.group(2).lower(), match.group(3)
        if closing:
            if tag == "form" and form is not None:
                page.forms.append(form)
                form = None
            elif tag == "picture":
                in_picture, picture_source = False, None
            continue
        attrs = attributes(attrs_text)
        if tag == "link":
            if "stylesheet" in attrs.get("rel", "").lower().split() and "disabled" not in attrs:
                add(attrs.get("href", ""), STYLESHEET)
        elif tag == "script":
            if "src" in attrs and "nomodule" not in attrs:
                add(attrs["src"], SCRIPT)
        elif tag == "picture":
            in_picture, picture_source = True, None
        elif tag == "source" and in_picture and picture_source is None:
            supported = attrs.get("type", "").lower() in SUPPORTED_IMAGE_TYPES
            if supported and "media" not in attrs and attrs.get("srcset"):
                picture_source = first_candidate(attrs["srcset"])
        elif tag == "img":
            lazy = attrs.get("loading", "").lower() == "lazy"
            source = picture_source if in_picture and picture_source else None
            chosen = source or attrs.get("src") or first_candidate(attrs.get("srcset", ""))
            add(chosen, IMAGE, lazy)
        elif tag == "a":
            if attrs.get("href"):
                page.links.append(urljoin(url, attrs["href"]))
        elif tag == "form":
            if form is not None:  # an unclosed form: HTML closes it at the next one
                page.forms.append(form)
            form = Form(urljoin(url, attrs.get("action") or url), attrs.get("method", "get"))
            form.method = form.method.lower()
        elif tag == "input" and form is not None:
            name = attrs.get("name")
            kind = attrs.get("type", "text").lower()
            if not name or kind in ("submit", "button", "image", "reset", "file"):
                continue
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                continue
            form.fields[name] = attrs.get("value", "on" if kind in ("checkbox", "radio") else "")
    if form is not None:
        page.forms.append(form)
    return page
