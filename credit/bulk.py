"""Bulk files: a daily snapshot and delta per dataset, gzip CSV and JSON Lines, with a manifest.

Layout under settings.DATA_ROOT (served at /data/, docs/data.md):

    snapshot-<date>/<dataset>.csv.gz   snapshot-<date>/<dataset>.jsonl.gz
    delta-<date>/<dataset>.csv.gz      delta-<date>/<dataset>.jsonl.gz
    manifest-<date>.json               (each file's size, rows and SHA-256; the feed's heads)

The datasets are the change serializers that name one (credit/changes.py; the apps above credit
register theirs): a snapshot holds the non-null public state of every row, as of one sequence
of the change feed, read in one consistent transaction. The delta of a day holds, for every
object whose events fall after the previous snapshot's sequence and up to this one, its last
state ("upsert") or its removal ("delete"): applied to the previous snapshot it gives this one.

Everything is streamed: rows are read with server-side cursors in chunks and written through
gzip while their SHA-256 is computed, so memory stays constant whatever the size.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from credit.changes import ChangeSerializer, change_head_record, datasets, feed_head, timestamp

FORMAT = "necips-bulk-1"
CHUNK = 5000
# gzip level 1: a third of the compression time of level 6 for files about a quarter larger
# (bench/RESULTS.md); the export is bound by it otherwise.
COMPRESS_LEVEL = 1
LICENCE = {
    "name": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
    "url": "https://creativecommons.org/licenses/by/4.0/",
    "attribution": "Source: National Enterprise Credit Information Publicity System portal (public records "
                   "of the agencies named in each row), retrieved on <date>.",
}
FOLDER_RE = re.compile(r"(snapshot|delta)-(\d{4}-\d{2}-\d{2})\Z")
FILE_RE = re.compile(r"([a-z_]{1,40})\.(csv|jsonl)\.gz\Z")
MANIFEST_RE = re.compile(r"manifest-(\d{4}-\d{2}-\d{2})\.json\Z")


def data_root() -> Path:
    return Path(settings.DATA_ROOT)


# --- writing --------------------------------------------------------------------------------


class _CountingHash(io.RawIOBase):
    """A binary sink that hashes and counts what passes to the file beneath."""

    def __init__(self, handle):
        self.handle, self.sha256, self.size = handle, hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.handle.write(data)
        self.sha256.update(data)
        self.size += len(data)
        return len(data)


def csv_cell(value: Any) -> str:
    """A state value in a CSV cell: empty for null, true/false, JSON for lists and objects."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return str(value)


class _Output:
    """One gzip file being written: text through gzip through the hashing sink."""

    def __init__(self, path: Path, name: str, dataset: str, kind: str, fmt: str):
        self.path, self.name, self.dataset, self.kind, self.format = path, name, dataset, kind, fmt
        self.handle = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.sink = _CountingHash(self.handle)
        # mtime=0 and no file name: the same rows always give the same bytes and hash.
        self.gzip = gzip.GzipFile(filename="", mode="wb", fileobj=self.sink, mtime=0, compresslevel=COMPRESS_LEVEL)
        self.text = io.TextIOWrapper(self.gzip, encoding="utf-8", newline="")
        self.csv = csv.writer(self.text, lineterminator="\n") if fmt == "csv" else None
        self.rows = 0

    def header(self, columns) -> None:
        self.csv.writerow(columns)

    def write(self, row) -> None:
        if self.csv is not None:
            self.csv.writerow(row)
        else:
            self.text.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
            self.text.write("\n")
        self.rows += 1

    def close(self) -> dict[str, Any]:
        self.text.close()  # closes the gzip stream, which writes its trailer into the sink
        self.handle.close()
        return {"name": self.name, "dataset": self.dataset, "kind": self.kind, "format": self.format,
                "rows": self.rows, "bytes": self.sink.size, "sha256": self.sink.sha256.hexdigest()}


def _outputs(folder: Path, prefix: str, dataset: str, kind: str) -> tuple[_Output, _Output]:
    return (_Output(folder / f"{dataset}.csv.gz", f"{prefix}/{dataset}.csv.gz", dataset, kind, "csv"),
            _Output(folder / f"{dataset}.jsonl.gz", f"{prefix}/{dataset}.jsonl.gz", dataset, kind, "jsonl"))


def snapshot_rows(serializer: ChangeSerializer) -> Iterator[tuple[str, dict]]:
    """(id, state) of every row of the dataset the public sees, in id order, streamed."""
    for obj in serializer.row_views(chunk_size=CHUNK):
        state = serializer.state(obj)
        if state is not None:
            yield str(obj.pk), state


def delta_rows(serializer: ChangeSerializer, *, after: int, through: int) -> Iterator[tuple[str, dict | None]]:
    """(id, last state or None) of every object of the dataset with events in (after, through],
    in the order of those last events: the last event per object, found by the index on
    (object_type, object_id, sequence), streamed."""
    from credit.models import ChangeEvent

    later = ChangeEvent.objects.filter(
        object_type=OuterRef("object_type"), object_id=OuterRef("object_id"), sequence__gt=OuterRef("sequence"),
        sequence__lte=through,
    )
    events = (ChangeEvent.objects.filter(object_type=serializer.object_type, sequence__gt=after,
                                         sequence__lte=through)
              .exclude(Exists(later)).order_by("sequence").values_list("object_id", "state"))
    yield from events.iterator(chunk_size=CHUNK)


def _write_snapshot(serializer, folder: Path, prefix: str, progress) -> list[dict]:
    columns = ["id", *serializer.columns]
    csv_out, jsonl_out = _outputs(folder, prefix, serializer.dataset, "snapshot")
    csv_out.header(columns)
    for object_id, state in snapshot_rows(serializer):
        csv_out.write([object_id, *(csv_cell(state.get(c)) for c in serializer.columns)])
        jsonl_out.write({"id": object_id, **state})
        if progress and csv_out.rows % CHUNK == 0:
            progress(serializer.dataset, CHUNK)
    if progress:
        progress(serializer.dataset, csv_out.rows % CHUNK)
    return [csv_out.close(), jsonl_out.close()]


def _write_delta(serializer, folder: Path, prefix: str, after: int, through: int) -> list[dict]:
    columns = ["op", "id", *serializer.columns]
    csv_out, jsonl_out = _outputs(folder, prefix, serializer.dataset, "delta")
    csv_out.header(columns)
    for object_id, state in delta_rows(serializer, after=after, through=through):
        if state is None:
            csv_out.write(["delete", object_id, *("" for _ in serializer.columns)])
            jsonl_out.write({"op": "delete", "id": object_id})
        else:
            csv_out.write(["upsert", object_id, *(csv_cell(state.get(c)) for c in serializer.columns)])
            jsonl_out.write({"op": "upsert", "id": object_id, **state})
    return [csv_out.close(), jsonl_out.close()]


# --- manifests ------------------------------------------------------------------------------


def manifests(root: Path | None = None) -> list[tuple[dt.date, Path]]:
    """The published manifests, newest first."""
    root = root or data_root()
    if not root.is_dir():
        return []
    found = []
    for entry in root.iterdir():
        match = MANIFEST_RE.match(entry.name)
        if match and entry.is_file():
            found.append((dt.date.fromisoformat(match.group(1)), entry))
    return sorted(found, reverse=True)


def manifest_read(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _previous(day: dt.date, root: Path) -> dict[str, Any] | None:
    for date, path in manifests(root):
        if date < day:
            return manifest_read(path)
    return None


class _ConsistentRead:
    """One read-only transaction in which every dataset and the feed's head are read as of the same
    moment: REPEATABLE READ on PostgreSQL (when not already inside a transaction); SQLite's
    transaction is a snapshot already."""

    def __enter__(self):
        outermost = not connection.in_atomic_block
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        return self

    def __exit__(self, *exc):
        return self.atomic.__exit__(*exc)


def export_bulk(*, day: dt.date | None = None, root: Path | None = None,
                progress: Callable[[str, int], None] | None = None) -> tuple[dict[str, Any], bool]:
    """Write the bulk files of local day `day` (default today) and their manifest, unless that day's
    manifest exists (a second run changes nothing). Returns (manifest, written now).

    Also records the feed's daily head of the day before (credit.changes.change_head_record), which
    the manifest carries. The files are written into a temporary folder and moved into place, the
    manifest last, so a reader never sees a half-written day."""
    day = day or timezone.localdate()
    root = root or data_root()
    root.mkdir(parents=True, exist_ok=True)
    manifest_path = root / f"manifest-{day.isoformat()}.json"
    if manifest_path.exists():
        return manifest_read(manifest_path), False
    previous = _previous(day, root)
    daily_head = change_head_record(day=day - dt.timedelta(days=1))
    after = previous["as_of"]["sequence"] if previous else 0
    work = root / f".tmp-{day.isoformat()}-{uuid.uuid4().hex[:8]}"
    snapshot_name, delta_name = f"snapshot-{day.isoformat()}", f"delta-{day.isoformat()}"
    (work / snapshot_name).mkdir(parents=True)
    (work / delta_name).mkdir()
    files: list[dict] = []
    try:
        with _ConsistentRead():
            as_of = feed_head()
            for serializer in datasets():
                files += _write_snapshot(serializer, work / snapshot_name, snapshot_name, progress)
            for serializer in datasets():
                files += _write_delta(serializer, work / delta_name, delta_name, after, as_of["sequence"])
        manifest = {
            "format": FORMAT,
            "date": day.isoformat(),
            "generated_at": timestamp(timezone.now()),
            "as_of": as_of,
            "previous": ({"date": previous["date"], "sequence": previous["as_of"]["sequence"]}
                         if previous else None),
            "delta": {"after": after, "through": as_of["sequence"]},
            "head": {"date": daily_head.day.isoformat(), "sequence": daily_head.sequence, "hash": daily_head.hash},
            "licence": LICENCE,
            "datasets": {s.dataset: {"object_type": s.object_type, "columns": ["id", *s.columns]}
                         for s in datasets()},
            "files": files,
        }
        for name in (snapshot_name, delta_name):
            target = root / name
            if target.exists():  # left by a run that died before its manifest
                shutil.rmtree(target)
            os.replace(work / name, target)
        temporary = work / "manifest.json"
        temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(temporary, manifest_path)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest, True


# --- reading (tests, consumers) -------------------------------------------------------------


def read_jsonl_gz(path: Path) -> Iterator[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def delta_apply(snapshot: dict[str, dict], delta: Iterator[dict]) -> dict[str, dict]:
    """Apply JSON Lines delta rows to a snapshot held as {id: row}: what docs/data.md tells consumers."""
    result = dict(snapshot)
    for row in delta:
        op, object_id = row["op"], row["id"]
        if op == "delete":
            result.pop(object_id, None)
        else:
            result[object_id] = {"id": object_id, **{k: v for k, v in row.items() if k not in ("op", "id")}}
    return result


def file_path(folder: str, name: str) -> Path | None:
    """The stored file of a /data/ address, or None: only names of the published shapes."""
    if not FOLDER_RE.match(folder) or not FILE_RE.match(name):
        return None
    path = data_root() / folder / name
    return path if path.is_file() else None


def manifest_path(date: str | None = None) -> Path | None:
    if date is None:
        found = manifests()
        return found[0][1] if found else None
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        return None
    path = data_root() / f"manifest-{day.isoformat()}.json"
    return path if path.is_file() else None
