"""Product images on the local disk, served by the app itself (stage01)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from common.domain.errors import Unavailable

_SAFE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")


def is_safe_key(key: str) -> bool:
    """Keys are relative names such as ``products/000042.png``: no traversal."""
    return bool(_SAFE_KEY.match(key)) and ".." not in key.split("/")


class LocalFileStore:
    def __init__(self, root: Path, url_prefix: str = "/images/") -> None:
        self._root = root
        self._url_prefix = url_prefix

    def _path(self, key: str) -> Path:
        if not is_safe_key(key):
            raise ValueError(f"unsafe file key {key!r}")
        return self._root / key

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so a reader never sees half an image.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)

    def get(self, key: str) -> bytes | None:
        if not is_safe_key(key):
            return None
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def exists(self, key: str) -> bool:
        return is_safe_key(key) and self._path(key).is_file()

    def url(self, key: str) -> str:
        return self._url_prefix + key

    def check(self) -> None:
        if not self._root.is_dir() or not os.access(self._root, os.W_OK):
            raise Unavailable(f"image directory {self._root} is missing or not writable")
