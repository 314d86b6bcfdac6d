"""Recompute a revealed draw from its published files and compare it with what the
portal published (result.csv and the task rows shown on the plan page). A committed plan
not revealed yet is checked as far as the public can (its commitment and frozen files) and
answered "NOT REVEALED YET" with exit status 3, as the standalone verifier does."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspections import selectors
from inspections.models import Plan, PlanFile
from inspections.verify_draw import Mismatch, NotRevealed, verify

NOT_REVEALED_STATUS = 3


class Command(BaseCommand):
    help = ("Verify a DRAW-v1 draw: python manage.py verify_draw <plan number> (exit 0 match, 1 mismatch, "
            "3 not revealed yet)")

    def add_arguments(self, parser):
        parser.add_argument("number", help="plan number")

    def handle(self, *args, number: str, **options):
        plan = Plan.objects.filter(number=number).first()
        if plan is None or not plan.is_public:
            raise CommandError(f"No plan numbered {number}.")
        public = {stored.name for stored in selectors.plan_files(plan)}  # what the public downloads now
        with tempfile.TemporaryDirectory() as folder:
            for stored in PlanFile.objects.filter(plan=plan, name__in=public):
                (Path(folder) / stored.name).write_bytes(bytes(stored.content))
            try:
                count, digest = verify(folder, plan.commitment)
                result = (Path(folder) / "result.csv").read_bytes().decode("ascii").split("\n")[1:-1]
            except NotRevealed as state:
                raise CommandError(f"NOT REVEALED YET: plan {number}: {state}", returncode=NOT_REVEALED_STATUS) from None
            except Mismatch as problem:
                raise CommandError(f"MISMATCH: {problem}") from None
        rows = plan.tasks.order_by("position").values_list("uscc", "risk_class", "ticket", "inspector_codes",
                                                           "assigned_manually")
        for line_number, (line, row) in enumerate(zip(result, rows, strict=False), start=2):
            uscc, risk_class, ticket, codes, manual = row
            expected = f"{uscc},{risk_class},{ticket},{'' if manual else codes}"
            if line != expected:
                raise CommandError(f"MISMATCH: result.csv line {line_number} is {line!r}, the portal shows {expected!r}")
        if len(result) != len(rows):
            raise CommandError(f"MISMATCH: result.csv has {len(result)} firms, the portal shows {len(rows)}")
        self.stdout.write(f"MATCH: plan {number}, {count} selected firms; result.csv sha256 {digest}")
