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


def snapshot_rows(serializer: ChangeSerializer, pk_range: tuple[int, int] | None = None) -> Iterator[tuple[str, dict]]:
    """(id, state) of every row of the dataset the public sees, in id order, streamed."""
    for obj in serializer.row_views(chunk_size=CHUNK, pk_range=pk_range):
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


# --- snapshots in parts -----------------------------------------------------------------------
#
# A snapshot file is the concatenation of gzip members (RFC 1952 allows it; every gzip reader
# reads them as one stream): the CSV header, then one member per range of PART_IDS ids in id
# order. The parts are written by up to BULK_EXPORT_PROCESSES processes at once, each reading
# in the export's own snapshot of the database (PostgreSQL: pg_export_snapshot), and joined in
# order, so the bytes are the same whatever the number of processes.

PART_IDS = 200_000


def snapshot_parts(serializer: ChangeSerializer) -> list[tuple[int, int]]:
    """The id ranges [low, high) of a dataset's parts, in order (fixed steps from the smallest id)."""
    from django.db.models import Max, Min

    queryset = serializer.candidates() if serializer.candidates else serializer.model._default_manager.all()
    bounds = queryset.aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return []
    low, high = bounds["low"], bounds["high"] + 1
    return [(start, min(start + PART_IDS, high)) for start in range(low, high, PART_IDS)]


def part_write(serializer: ChangeSerializer, pk_range: tuple[int, int], csv_path: Path, jsonl_path: Path) -> int:
    """Write the rows of one id range as one gzip member per format; the number of rows. On
    PostgreSQL a declared state is generated by the database (credit/bulk_sql.py)."""
    from credit import bulk_sql

    if bulk_sql.available(serializer):
        return bulk_sql.part_write(serializer, pk_range, csv_path, jsonl_path, compresslevel=COMPRESS_LEVEL)
    with open(csv_path, "wb") as csv_handle, open(jsonl_path, "wb") as jsonl_handle:
        csv_gzip = gzip.GzipFile(filename="", mode="wb", fileobj=csv_handle, mtime=0, compresslevel=COMPRESS_LEVEL)
        jsonl_gzip = gzip.GzipFile(filename="", mode="wb", fileobj=jsonl_handle, mtime=0,
                                   compresslevel=COMPRESS_LEVEL)
        csv_text = io.TextIOWrapper(csv_gzip, encoding="utf-8", newline="")
        jsonl_text = io.TextIOWrapper(jsonl_gzip, encoding="utf-8", newline="")
        writer = csv.writer(csv_text, lineterminator="\n")
        columns = serializer.columns
        rows = 0
        for object_id, state in snapshot_rows(serializer, pk_range):
            writer.writerow([object_id, *(csv_cell(state.get(c)) for c in columns)])
            jsonl_text.write(json.dumps({"id": object_id, **state}, ensure_ascii=False, separators=(",", ":")))
            jsonl_text.write("\n")
            rows += 1
        csv_text.close()
        jsonl_text.close()
    return rows


def _gzip_member(text: str) -> bytes:
    return gzip.compress(text.encode("utf-8"), compresslevel=COMPRESS_LEVEL, mtime=0)


def _join(target: Path, name: str, dataset: str, fmt: str, members: list[bytes | Path], rows: int) -> dict:
    """Concatenate gzip members (bytes, or files removed once copied) into `target`, hashing."""
    sha256, size = hashlib.sha256(), 0
    with open(target, "wb") as out:
        for member in members:
            if isinstance(member, bytes):
                out.write(member)
                sha256.update(member)
                size += len(member)
                continue
            with open(member, "rb") as part:
                while block := part.read(1 << 20):
                    out.write(block)
                    sha256.update(block)
                    size += len(block)
            member.unlink()
    return {"name": name, "dataset": dataset, "kind": "snapshot", "format": fmt, "rows": rows, "bytes": size,
            "sha256": sha256.hexdigest()}


def _snapshot_jobs(folder: Path) -> list[dict]:
    jobs = []
    for serializer in datasets():
        for index, (low, high) in enumerate(snapshot_parts(serializer)):
            jobs.append({"dataset": serializer.dataset, "low": low, "high": high,
                         "csv": str(folder / f"{serializer.dataset}.{index:05d}.csv.gz.part"),
                         "jsonl": str(folder / f"{serializer.dataset}.{index:05d}.jsonl.gz.part")})
    return jobs


def parts_run(jobs: list[dict]) -> list[int]:
    """Write the given parts in this process (the rows of each)."""
    by_dataset = {s.dataset: s for s in datasets()}
    return [part_write(by_dataset[job["dataset"]], (job["low"], job["high"]), Path(job["csv"]), Path(job["jsonl"]))
            for job in jobs]


def _parts_in_processes(jobs: list[dict], processes: int, work: Path, progress) -> list[int]:
    """Write the parts: in this process, or shared out (round robin) to `processes` child
    processes (`manage.py export_bulk --parts FILE --snapshot ID`) that read in this
    transaction's snapshot. Returns the rows of each job, in order."""
    # A snapshot can be shared from a transaction only, not from a savepoint inside one (an
    # export called within the caller's transaction, as in tests): then one process writes all.
    if processes <= 1 or connection.vendor != "postgresql" or len(jobs) < 2 or connection.savepoint_ids:
        rows = []
        for job in jobs:
            rows += parts_run([job])
            if progress:
                progress(job["dataset"], rows[-1])
        return rows
    import subprocess
    import sys

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
    shares = [list(range(i, len(jobs), processes)) for i in range(processes)]
    children = []
    for number, indexes in enumerate(shares):
        if not indexes:
            continue
        plan, result = work / f"parts-{number}.json", work / f"parts-{number}.result.json"
        plan.write_text(json.dumps([jobs[i] for i in indexes]), encoding="utf-8")
        command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "export_bulk", "--parts", str(plan),
                   "--parts-result", str(result), "--snapshot", snapshot, "--quiet-progress"]
        children.append((indexes, result, subprocess.Popen(command, cwd=settings.BASE_DIR, env=_child_env())))
    rows = [0] * len(jobs)
    failed = []
    for indexes, result, child in children:
        if child.wait() != 0:
            failed.append(child.returncode)
            continue
        for index, count in zip(indexes, json.loads(result.read_text(encoding="utf-8")), strict=True):
            rows[index] = count
            if progress:
                progress(jobs[index]["dataset"], count)
    if failed:
        raise RuntimeError(f"bulk export: {len(failed)} part process(es) failed (exit {failed})")
    return rows


def _child_env() -> dict[str, str]:
    """The environment of a part process: this one's, its DATABASE_URL naming the database this
    connection uses (under tests, the test database rather than the configured one); host,
    credentials and options as configured."""
    from urllib.parse import quote, urlsplit, urlunsplit

    url = urlsplit(os.environ.get("DATABASE_URL", ""))
    name = quote(connection.settings_dict["NAME"], safe="")
    return {**os.environ, "DATABASE_URL": urlunsplit(url._replace(path=f"/{name}"))}


def _write_snapshots(folder: Path, prefix: str, work: Path, processes: int, progress) -> list[dict]:
    jobs = _snapshot_jobs(work)
    rows = _parts_in_processes(jobs, processes, work, progress)
    files = []
    for serializer in datasets():
        mine = [(job, count) for job, count in zip(jobs, rows, strict=True) if job["dataset"] == serializer.dataset]
        total = sum(count for _, count in mine)
        header = io.StringIO()
        csv.writer(header, lineterminator="\n").writerow(["id", *serializer.columns])
        name = serializer.dataset
        files.append(_join(folder / f"{name}.csv.gz", f"{prefix}/{name}.csv.gz", name, "csv",
                           [_gzip_member(header.getvalue()), *(Path(job["csv"]) for job, _ in mine)], total))
        files.append(_join(folder / f"{name}.jsonl.gz", f"{prefix}/{name}.jsonl.gz", name, "jsonl",
                           [Path(job["jsonl"]) for job, _ in mine] or [_gzip_member("")], total))
    return files


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
                progress: Callable[[str, int], None] | None = None,
                processes: int | None = None) -> tuple[dict[str, Any], bool]:
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
            processes = settings.BULK_EXPORT_PROCESSES if processes is None else processes
            files += _write_snapshots(work / snapshot_name, snapshot_name, work, processes, progress)
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
