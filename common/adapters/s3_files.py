"""Product images in an S3-compatible object store (MinIO), served by the store itself (stage02+).

The app only *writes* images (the seeder, an admin) and hands browsers a public URL; the image
bytes of a page view never pass through the app's workers. The bucket allows anonymous
``s3:GetObject`` and nothing else (no listing, no writes): product images are public anyway,
and plain URLs stay stable, so browsers and any later edge cache can keep them.

Every call to the store has short timeouts and at most one retry, so a dead store costs a
request little; any store failure is the shop's ``Unavailable`` (503), never a raw error.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from common.adapters.local_files import is_safe_key
from common.config import ConfigError, Settings
from common.domain.errors import Unavailable

# The region is fixed so the client never spends a round trip asking the store for it.
REGION = "us-east-1"
_MISSING = {"NoSuchKey", "NoSuchObject"}
# Stored with each object and sent back by the store with it, next to the ETag and
# Last-Modified it adds itself: browsers keep an image a day, then revalidate (a 304).
CACHE_CONTROL = "public, max-age=86400"
_ALREADY_THERE = {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}


@dataclass(frozen=True)
class Timeouts:
    """Seconds. Requests retry once (a connection the store closed is common after a restart);
    the readiness probe never retries: it must answer fast that the store is gone."""

    connect: float = 1.0
    read: float = 10.0
    probe: float = 1.0


def public_read_policy(bucket: str) -> str:
    """Anyone may GET an object; nobody anonymous may list, write or delete."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": ["*"]},
                    "Action": ["s3:GetObject"],
                    "Resource": [f"arn:aws:s3:::{bucket}/*"],
                }
            ],
        }
    )


class S3FileStore:
    def __init__(
        self,
        endpoint: str,
        *,
        access_key: str,
        secret_key: str,
        bucket: str,
        public_url: str | None = None,
        timeouts: Timeouts | None = None,
    ) -> None:
        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"SHOP_S3_ENDPOINT must be an http(s) URL, got {endpoint!r}")
        timeouts = timeouts or Timeouts()
        self._bucket = bucket
        self._endpoint = endpoint.rstrip("/")
        self._public_url = (public_url or endpoint).rstrip("/")
        secure = parts.scheme == "https"

        def client(read: float, retries: int) -> Minio:
            http = urllib3.PoolManager(
                timeout=urllib3.Timeout(connect=timeouts.connect, read=read),
                retries=urllib3.Retry(total=retries, backoff_factor=0.1, connect=retries),
                maxsize=10,
            )
            return Minio(
                parts.netloc,
                access_key=access_key,
                secret_key=secret_key,
                secure=secure,
                region=REGION,
                http_client=http,
            )

        self._client = client(timeouts.read, retries=1)
        self._probe = client(timeouts.probe, retries=0)

    @classmethod
    def from_settings(cls, settings: Settings) -> S3FileStore:
        if not settings.s3_endpoint:
            raise ConfigError("SHOP_S3_ENDPOINT is not set: e.g. http://minio:9000")
        return cls(
            settings.s3_endpoint,
            access_key=settings.s3_access_key,
            secret_key=settings.s3_secret_key,
            bucket=settings.s3_bucket,
            public_url=settings.s3_public_url,
        )

    def create_bucket(self) -> None:
        """Create the bucket and its public-read policy if missing; safe to run concurrently
        (every app worker runs it at start, as every worker runs ``create_schema``)."""
        with self._translated("create the image bucket"):
            if not self._client.bucket_exists(self._bucket):
                try:
                    self._client.make_bucket(self._bucket, location=REGION)
                except S3Error as exc:
                    if exc.code not in _ALREADY_THERE:
                        raise
            self._client.set_bucket_policy(self._bucket, public_read_policy(self._bucket))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if not is_safe_key(key):
            raise ValueError(f"unsafe file key {key!r}")
        with self._translated(f"store {key!r}"):
            # One PUT: the object appears whole or not at all, like the local store's rename.
            self._client.put_object(
                self._bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                metadata={"Cache-Control": CACHE_CONTROL},
            )

    def get(self, key: str) -> bytes | None:
        if not is_safe_key(key):
            return None
        with self._translated(f"read {key!r}"):
            try:
                response = self._client.get_object(self._bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    return None
                raise
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def exists(self, key: str) -> bool:
        if not is_safe_key(key):
            return False
        with self._translated(f"look up {key!r}"):
            try:
                self._client.stat_object(self._bucket, key)
            except S3Error as exc:
                if exc.code in _MISSING:
                    return False
                raise
            return True

    def url(self, key: str) -> str:
        """Path-style public URL: ``<public url>/<bucket>/<key>``, fetched from the store."""
        return f"{self._public_url}/{self._bucket}/{quote(key)}"

    def check(self) -> None:
        """The bucket answers (store up, credentials valid, bucket created): one HEAD."""
        with self._translated("reach the object store"):
            if not self._probe.bucket_exists(self._bucket):
                raise Unavailable(f"bucket {self._bucket!r} does not exist yet")

    @contextmanager
    def _translated(self, doing: str) -> Iterator[None]:
        try:
            yield
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            raise Unavailable(
                f"cannot {doing} at object store {self._endpoint}: {_reason(exc)}"
            ) from exc


def _reason(exc: BaseException) -> str:
    if isinstance(exc, S3Error):
        return f"{exc.code}: {exc.message}"
    if isinstance(exc, urllib3.exceptions.MaxRetryError) and exc.reason is not None:
        return type(exc.reason).__name__
    return type(exc).__name__
