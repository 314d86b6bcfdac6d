"""Recompute a revealed draw from its published files and compare it with what the
portal published (result.csv and the task rows shown on the plan page)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from inspections.models import Plan, PlanFile
from inspections.verify_draw import Mismatch, verify


class Command(BaseCommand):
    help = "Verify a revealed DRAW-v1 draw: python manage.py verify_draw <plan number>"

    def add_arguments(self, parser):
        parser.add_argument("number", help="plan number")

    def handle(self, *args, number: str, **options):
        plan = Plan.objects.filter(number=number).first()
        if plan is None:
            raise CommandError(f"No plan numbered {number}.")
        if not plan.is_revealed:
            raise CommandError(f"Plan {number} is not revealed yet: its secret is not public.")
        with tempfile.TemporaryDirectory() as folder:
            for stored in PlanFile.objects.filter(plan=plan):
                (Path(folder) / stored.name).write_bytes(bytes(stored.content))
            try:
                count, digest = verify(folder)
                result = (Path(folder) / "result.csv").read_bytes().decode("ascii").split("\n")[1:-1]
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
