"""Recompute a commitment letter's SHA-256 from the database (docs/commitments.md):

    python manage.py verify_commitment <id> [<id> ...]

Prints, per letter, the hash stored (and published) and the hash of the canonical document
rebuilt from the letter's stored fields, with OK or MISMATCH; exits 1 if any differ."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from credit import commitments
from credit.models import CommitmentLetter


class Command(BaseCommand):
    help = "Recompute commitment letters' SHA-256 from their stored fields and compare with the published hash."

    def add_arguments(self, parser):
        parser.add_argument("ids", nargs="+", type=int)

    def handle(self, *args, ids, **options):
        mismatches = 0
        for pk in ids:
            letter = CommitmentLetter.objects.select_related("enterprise", "agency").filter(pk=pk).first()
            if letter is None:
                raise CommandError(f"There is no commitment letter {pk}.")
            digest = commitments.document_sha256(commitments.letter_document(letter))
            ok = digest == letter.text_sha256
            mismatches += not ok
            self.stdout.write(f"letter {pk}: published {letter.text_sha256} recomputed {digest} "
                              f"{'OK' if ok else 'MISMATCH'}")
        if mismatches:
            raise CommandError(f"{mismatches} letter(s) do not match their published hash.", returncode=1)
