"""Run the non-filer sweep for one report year (what the beat task does on its day):

    manage.py sweep_non_filers --year 2025 [--today 2026-07-08]
"""

from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError

from credit.filing import non_filers
from listings import services
from listings.models import local_today


class Command(BaseCommand):
    help = "Put the enterprises that did not file the annual report for --year on the abnormal-operations list."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="the report year (default: last year)")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="the run day, YYYY-MM-DD (default: today)")

    def handle(self, *args, year=None, today=None, **options):
        today = today or local_today()
        year = year or today.year - 1
        self.stdout.write(f"Report year {year}, run day {today.isoformat()}: "
                          f"{non_filers(year).count():,} enterprises have filed no report; listing ...")
        started = time.perf_counter()
        try:
            listed = services.non_filers_list(year=year, today=today)
        except services.ListingError as error:
            raise CommandError(error.messages[0]) from None
        self.stdout.write(f"Listed {listed:,} enterprises in {time.perf_counter() - started:.1f} s "
                          f"(the others were already listed for this reason or for this year).")
