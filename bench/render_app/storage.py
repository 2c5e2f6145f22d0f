"""A FileSystemStorage that counts every public Storage API call, per alias and method."""

from __future__ import annotations

from collections import Counter

from django.core.files.storage import FileSystemStorage

#: (alias, method) -> number of calls since the last reset().
CALLS: Counter[tuple[str, str]] = Counter()

API = (
    "open",
    "save",
    "delete",
    "exists",
    "listdir",
    "size",
    "url",
    "path",
    "get_accessed_time",
    "get_created_time",
    "get_modified_time",
    "get_available_name",
    "get_alternative_name",
    "get_valid_name",
    "generate_filename",
)


def reset() -> None:
    CALLS.clear()


def snapshot() -> dict[str, int]:
    """{"alias.method": calls}, sorted, for printing and JSON."""
    return {f"{a}.{m}": n for (a, m), n in sorted(CALLS.items())}


class CountingStorage(FileSystemStorage):
    """FileSystemStorage(location=…, base_url=…) whose API methods count themselves."""

    def __init__(self, alias: str = "?", **kwargs):
        self.alias = alias
        super().__init__(**kwargs)


def _counted(name: str):
    base = getattr(FileSystemStorage, name)

    def method(self, *args, **kwargs):
        CALLS[(self.alias, name)] += 1
        return base(self, *args, **kwargs)

    method.__name__ = method.__qualname__ = name
    return method


for _name in API:
    setattr(CountingStorage, _name, _counted(_name))
