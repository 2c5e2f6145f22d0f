"""Storage listings in bulk, and a sorted diff of what the database expects against them.

``keys(storage, prefix)`` yields every key under ``prefix`` in byte order, from one
ListObjectsV2 paginator on S3 (1,000 keys per request) or one directory walk on local disk:
never a per-file existence call. ``entries(storage, prefix)`` is the same listing with each
key's modification time (the orphan sweep's grace period). ``missing(expected, listed)``
merges two streams sorted the same way and yields the expected entries that storage does not
have, in constant memory; ``SortedDiff`` is that merge fed a sorted batch at a time.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.core.files.storage import FileSystemStorage, Storage


def _s3_keys(store, prefix: str) -> Iterator[str]:
    return (key for key, _modified in _s3_entries(store, prefix))


def _s3_entries(store, prefix: str) -> Iterator[tuple[str, datetime]]:
    root = (store.location or "").strip("/")
    full = f"{root}/{prefix}" if root else prefix
    client = store.connection.meta.client
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=store.bucket_name, Prefix=full, PaginationConfig={"PageSize": 1000}
    )
    for page in pages:
        for item in page.get("Contents", ()):
            key = item["Key"][len(root) + 1 :] if root else item["Key"]
            yield key, item["LastModified"]


def _full_path_order(entry: os.DirEntry) -> str:
    # A directory sorts as its name plus "/", so the walk yields whole keys in byte order.
    return entry.name + "/" if entry.is_dir(follow_symlinks=False) else entry.name


def _walk(base: str, rel: str) -> Iterator[tuple[str, os.DirEntry]]:
    try:
        entries = sorted(os.scandir(os.path.join(base, rel)), key=_full_path_order)
    except (FileNotFoundError, NotADirectoryError):
        return
    for entry in entries:
        name = f"{rel}/{entry.name}" if rel else entry.name
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(base, name)
        elif entry.is_file(follow_symlinks=False):
            yield name, entry


def _local_keys(store: FileSystemStorage, prefix: str) -> Iterator[str]:
    """Keys under ``prefix`` (a directory path ending in "/"), in byte order."""
    folder = prefix.rstrip("/")
    for key, _entry in _walk(str(store.location), folder):
        if key.startswith(prefix):
            yield key


def _local_entries(store: FileSystemStorage, prefix: str) -> Iterator[tuple[str, datetime]]:
    folder = prefix.rstrip("/")
    for key, entry in _walk(str(store.location), folder):
        if not key.startswith(prefix):
            continue
        try:
            modified = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue  # removed while we walked
        yield key, datetime.fromtimestamp(modified, tz=UTC)


def folders_are_cheap(store: Storage) -> bool:
    """Whether listing one small prefix costs little (a local directory read) rather than a
    request (S3: list a whole prefix once and merge instead)."""
    return isinstance(store, FileSystemStorage)


def keys(store: Storage, prefix: str) -> Iterator[str]:
    """Every key under ``prefix`` in ``store``, in byte order, listed in bulk."""
    from storages.backends.s3 import S3Storage

    if isinstance(store, S3Storage):
        return _s3_keys(store, prefix)
    if isinstance(store, FileSystemStorage):
        return _local_keys(store, prefix)
    raise NotImplementedError(f"cannot list {type(store).__name__} in bulk")


def entries(store: Storage, prefix: str) -> Iterator[tuple[str, datetime]]:
    """``(key, last modified)`` for every key under ``prefix``, in byte order, in bulk."""
    from storages.backends.s3 import S3Storage

    if isinstance(store, S3Storage):
        return _s3_entries(store, prefix)
    if isinstance(store, FileSystemStorage):
        return _local_entries(store, prefix)
    raise NotImplementedError(f"cannot list {type(store).__name__} in bulk")


class SortedDiff:
    """A merge against one listing, fed in sorted batches: each :meth:`missing` call takes
    up where the last stopped, so a caller walking its rows in key order (a chunk at a time)
    diffs them against a single listing pass, in constant memory."""

    def __init__(self, listed: Iterable[str]) -> None:
        self._listed = iter(listed)
        self._current = next(self._listed, None)

    def missing[T](self, expected: Iterable[tuple[str, T]]) -> Iterator[tuple[str, T]]:
        """The ``(key, payload)`` of ``expected`` that the listing lacks. Keys must come in
        byte (code point) order, after every key of earlier calls; extra listed keys are
        ignored."""
        for key, payload in expected:
            while self._current is not None and self._current < key:
                self._current = next(self._listed, None)
            if self._current != key:
                yield key, payload


def missing[T](expected: Iterable[tuple[str, T]], listed: Iterable[str]) -> Iterator[tuple[str, T]]:
    """The ``(key, payload)`` of ``expected`` whose key is not in ``listed``.

    Both must be sorted by key in byte (code point) order; extra listed keys are ignored."""
    return SortedDiff(listed).missing(expected)


__all__ = ["SortedDiff", "entries", "folders_are_cheap", "keys", "missing"]
