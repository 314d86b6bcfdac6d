"""Check the change feed's hash chain: the server's own events, or downloaded files (credit/verify_changes.py)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from credit import verify_changes as verifier
from credit.changes import event_document
from credit.models import ChangeEvent


class Command(BaseCommand):
    help = ("Check the change feed (CHANGES-v1, docs/changes.md): the database's events after --after, or the "
            "given files, against a head held earlier. Exit 0 consistent, 1 the first bad sequence, 2 bad input.")

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="JSON Lines files or saved /api/v1/changes/ pages")
        parser.add_argument("--head", help="SEQUENCE:HASH of a head held earlier")
        parser.add_argument("--prev-hash", help="the hash the first event must chain to")
        parser.add_argument("--after", type=int, default=0, help="database: start after this sequence")

    def handle(self, *args, **options):
        rows = None
        try:
            head = verifier.parse_head(options["head"]) if options["head"] else None
            if options["files"]:
                events = verifier.read_events(options["files"])
            else:
                rows = ChangeEvent.objects.filter(sequence__gt=options["after"]).order_by("sequence").iterator(
                    chunk_size=5000)
                events = (event_document(row) for row in rows)
            prev_hash = options["prev_hash"]
            if prev_hash is None and not options["files"] and options["after"]:
                prev_hash = ChangeEvent.objects.filter(sequence=options["after"]).values_list("hash", flat=True).first()
            summary = verifier.verify(events, head=head, prev_hash=prev_hash)
        except verifier.InputError as error:
            self.stderr.write(f"ERROR: {error}")
            raise SystemExit(2) from error
        except verifier.Mismatch as error:
            self.stdout.write(f"FAIL at sequence {error.sequence}: {error.message}")
            raise SystemExit(1) from error
        finally:
            if rows is not None:
                rows.close()  # the server-side cursor, now, while its transaction lives
        self.stdout.write(verifier.report(summary))
