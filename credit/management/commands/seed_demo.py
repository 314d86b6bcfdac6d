"""Load deterministic demo data: agencies, staff logins, enterprises and their records.

    python manage.py seed_demo --enterprises 3000 --seed 2026 [--reset]

The same size, seed and batch always give the same rows, whatever the number of processes
generating them (--processes, default one per core). On PostgreSQL the rows go in by COPY.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from credit import demo
from credit.publication import site_generation_raise


class Command(BaseCommand):
    help = "Load deterministic demo data (agencies, staff logins, enterprises and their records)."

    def add_arguments(self, parser):
        parser.add_argument("--enterprises", type=int, default=3000, help="number of enterprises (default 3000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
        parser.add_argument("--reset", action="store_true", help="remove existing demo data first")
        parser.add_argument("--batch", type=int, default=5000,
                            help="enterprises per generated chunk (part of what the rows depend on, with --seed)")
        parser.add_argument("--processes", type=int, default=None,
                            help="processes generating rows (default: one per core; the rows do not depend on it)")
        parser.add_argument("--no-progress", action="store_true", help="do not show a progress bar")

    def handle(self, *args, enterprises: int, seed: int, reset: bool, batch: int, processes: int | None,
               no_progress: bool, **options):
        if enterprises < 1:
            raise CommandError("--enterprises must be at least 1")
        if batch < 1 or (processes is not None and processes < 1):
            raise CommandError("--batch and --processes must be at least 1")
        if demo.is_seeded():
            if not reset:
                self.stdout.write(
                    "Demo data is already loaded; nothing changed. Use --reset to remove it and load again."
                )
                self._print_logins(demo.existing_logins())
                self._print_letters(demo.existing_activation_letters())
                return
            self.stdout.write("Removing the existing demo data ...")
            demo.reset()
            site_generation_raise()  # no page cached before the reset is served again

        started = time.monotonic()
        with transaction.atomic():
            logins = demo.create_agencies_and_logins()
        bar = tqdm(total=enterprises, unit="ent", disable=no_progress or None, desc="enterprises")
        counts = demo.seed_enterprises(enterprises=enterprises, seed=seed, batch=batch, processes=processes,
                                        progress=bar.update)
        bar.close()
        with transaction.atomic():
            logins += demo.create_enterprise_logins()
            letters = demo.create_activation_letters()
            demo.create_login_disclosures()
            demo.record_seed(enterprises=enterprises, seed=seed, counts=counts)
        elapsed = time.monotonic() - started
        total = sum(counts.values())
        self.stdout.write(f"Loaded {enterprises:,} enterprises and {total - enterprises:,} related rows "
                          f"in {elapsed:.1f} s (seed {seed}).")
        for label, count in counts.items():
            self.stdout.write(f"  {label:32} {count:>12,}")

        for app, step in demo.demo_steps():
            self.stdout.write(f"Adding {app} demo data ...")
            step_started = time.monotonic()
            step(seed=seed, stdout=self.stdout)
            self.stdout.write(f"  ({app}: {time.monotonic() - step_started:.1f} s)")
        # The rows were written in bulk, not published one by one: every cached page is old.
        site_generation_raise()
        self.stdout.write(f"Demo loaded in {time.monotonic() - started:.1f} s in all.")

        self._print_logins(logins)
        self._print_letters(letters)

    def _print_letters(self, letters):
        if not letters:
            return
        self.stdout.write("\nDemo activation letters (a new enterprise login at /account/activate/: USCC + code):")
        for letter in letters:
            self.stdout.write(f"  {letter.uscc}  {letter.code}  {letter.enterprise}")

    def _print_logins(self, logins):
        if not logins:
            return
        self.stdout.write("\nDemo logins (staff sign in at /admin/; enterprise logins at /account/login/):")
        for login in logins:
            self.stdout.write(f"  {login.username:18} {login.password:20} {login.role}")
