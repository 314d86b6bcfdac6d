"""Write the day's bulk files and manifest now (what the beat task credit.bulk_export does)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from tqdm import tqdm

from credit.bulk import export_bulk, parts_run


class Command(BaseCommand):
    help = "Write the bulk files (snapshot, delta, manifest) of a day under DATA_ROOT, streamed."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the local day to export (YYYY-MM-DD; default today)")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")
        parser.add_argument("--processes", type=int, help="processes writing the snapshot's parts "
                            "(default: BULK_EXPORT_PROCESSES)")
        # Used by the export itself, for the processes that write the parts of a snapshot.
        parser.add_argument("--parts", help=argparse.SUPPRESS)
        parser.add_argument("--parts-result", help=argparse.SUPPRESS)
        parser.add_argument("--snapshot", help=argparse.SUPPRESS)

    def handle(self, *args, **options):
        if options["parts"]:
            return self.write_parts(options)
        if options["processes"] is not None and options["processes"] < 1:
            raise CommandError("--processes: give a whole number of at least 1")
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as error:
            raise CommandError("--date: give a date as YYYY-MM-DD") from error
        bar = None if options["quiet_progress"] else tqdm(unit=" rows", desc="snapshot")

        def progress(dataset: str, rows: int) -> None:
            bar.set_description(dataset)
            bar.update(rows)

        try:
            manifest, written = export_bulk(day=day, progress=progress if bar else None,
                                            processes=options["processes"])
        finally:
            if bar:
                bar.close()
        if not written:
            self.stdout.write(f"{manifest['date']}: already exported; nothing written.")
            return
        for file in manifest["files"]:
            self.stdout.write(f"{file['name']}: {file['rows']} rows, {file['bytes']} bytes, {file['sha256']}")
        self.stdout.write(f"manifest-{manifest['date']}.json as of event {manifest['as_of']['sequence']}")

    def write_parts(self, options) -> None:
        """A child of the export: write the parts listed in --parts, reading in the export's
        snapshot of the database (--snapshot), and the rows of each into --parts-result."""
        plan = json.loads(Path(options["parts"]).read_text(encoding="utf-8"))
        with transaction.atomic():
            if connection.vendor == "postgresql" and options["snapshot"]:
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    cursor.execute("SET TRANSACTION SNAPSHOT %s", [options["snapshot"]])
            rows = parts_run(plan)
        Path(options["parts_result"]).write_text(json.dumps(rows), encoding="utf-8")
