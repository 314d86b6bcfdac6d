"""Write the day's bulk files and manifest now (what the beat task credit.bulk_export does)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from credit.bulk import export_bulk


class Command(BaseCommand):
    help = "Write the bulk files (snapshot, delta, manifest) of a day under DATA_ROOT, streamed."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="the local day to export (YYYY-MM-DD; default today)")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        try:
            day = dt.date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError as error:
            raise CommandError("--date: give a date as YYYY-MM-DD") from error
        bar = None if options["quiet_progress"] else tqdm(unit=" rows", desc="snapshot")

        def progress(dataset: str, rows: int) -> None:
            bar.set_description(dataset)
            bar.update(rows)

        try:
            manifest, written = export_bulk(day=day, progress=progress if bar else None)
        finally:
            if bar:
                bar.close()
        if not written:
            self.stdout.write(f"{manifest['date']}: already exported; nothing written.")
            return
        for file in manifest["files"]:
            self.stdout.write(f"{file['name']}: {file['rows']} rows, {file['bytes']} bytes, {file['sha256']}")
        self.stdout.write(f"manifest-{manifest['date']}.json as of event {manifest['as_of']['sequence']}")
