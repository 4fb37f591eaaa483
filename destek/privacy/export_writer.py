"""Writing the export ZIP: JSON documents and stored files, streamed, never whole in memory.

A ZIP can have only one entry open for writing, and a JSON list of tickets names the files
written beside it: records are spooled to a temporary file (memory up to a few MB, then disk)
and copied into the archive when the list is complete, while files go straight in.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import PurePosixPath
from typing import IO, Any

from django.db.models.fields.files import FieldFile

CHUNK = 1024 * 1024
SPOOL_IN_MEMORY = 8 * 1024 * 1024
# Entries that may pass 2 GiB must say so before they are written (ZIP64).
ZIP64_FROM = 2 * 1024 * 1024 * 1024 - CHUNK


def to_json(value: Any) -> Any:
    """Aware datetimes as ISO 8601; everything else as json knows it."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, default=to_json).encode()


def safe_name(name: str) -> str:
    """A stored file's original name as one harmless path segment."""
    base = PurePosixPath(name.replace("\\", "/")).name.strip().strip(".")
    cleaned = "".join(c for c in base if c.isprintable() and c not in ':*?"<>|')[:150]
    return cleaned or "file"


class Records:
    """A JSON list written one record at a time."""

    def __init__(self, spool: IO[bytes]) -> None:
        self._spool = spool
        self._count = 0

    def add(self, record: dict[str, Any]) -> None:
        self._spool.write(b",\n" if self._count else b"\n")
        self._spool.write(dumps(record))
        self._count += 1

    @property
    def count(self) -> int:
        return self._count


class ExportWriter:
    """One archive being written; paths are unique inside it."""

    def __init__(self, archive: zipfile.ZipFile,
                 tick: Callable[[], None] = lambda: None) -> None:
        self._archive = archive
        self._paths: set[str] = set()
        # Called after each file: the job's progress (and its liveness) moves on even in one
        # ticket with many big files.
        self._tick = tick

    def document(self, path: str, value: Any) -> None:
        self._paths.add(path)
        self._archive.writestr(path, dumps(value))

    @contextmanager
    def records(self, path: str) -> Iterator[Records]:
        self._paths.add(path)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY) as spool:
            spool.write(b"[")
            records = Records(spool)
            yield records
            spool.write(b"\n]\n" if records.count else b"]\n")
            size = spool.tell()
            spool.seek(0)
            with self._archive.open(path, "w", force_zip64=size >= ZIP64_FROM) as entry:
                shutil.copyfileobj(spool, entry, CHUNK)

    def unique_path(self, folder: str, name: str) -> str:
        """folder/name, or folder/name (2)… when a file of that name is already there."""
        stem, dot, suffix = safe_name(name).rpartition(".")
        if not dot or not stem:
            stem, suffix = safe_name(name), ""
        candidate, number = f"{folder}/{safe_name(name)}", 2
        while candidate in self._paths:
            candidate = f"{folder}/{stem} ({number}){'.' + suffix if suffix else ''}"
            number += 1
        return candidate

    def file(self, folder: str, name: str, stored: FieldFile, size: int) -> str | None:
        """Copy a stored file into the archive in chunks; its path there, or None when the
        stored file is gone (the JSON then says so instead of failing the whole export)."""
        if not stored.name:
            return None
        try:
            source = stored.storage.open(stored.name, "rb")
        except FileNotFoundError:
            return None
        path = self.unique_path(folder, name)
        self._paths.add(path)
        with source, self._archive.open(path, "w", force_zip64=size >= ZIP64_FROM) as entry:
            shutil.copyfileobj(source, entry, CHUNK)
        self._tick()
        return path
