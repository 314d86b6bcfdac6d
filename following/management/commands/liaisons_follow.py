"""Subscribe the liaisons activated before following existed to their own enterprises."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from tqdm import tqdm

from following.selectors import liaisons_without_follow
from following.services import liaison_follow_create


class Command(BaseCommand):
    help = ("Give every active liaison login that has never followed its own enterprise the follow a new "
            "activation gives (immediate, every kind, unconfirmed: each address is sent its confirmation "
            "link). Safe to run twice: a liaison with any follow of the enterprise, ended ones included, "
            "is left alone.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count the logins, change nothing")
        parser.add_argument("--quiet-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        accounts = liaisons_without_follow()
        total = accounts.count()
        if options["dry_run"]:
            self.stdout.write(f"{total} liaison login(s) would follow their own enterprise.")
            return
        created = 0
        for account in tqdm(accounts.iterator(chunk_size=500), total=total, unit=" logins",
                            disable=options["quiet_progress"]):
            if liaison_follow_create(account=account, email=account.user.email) is not None:
                created += 1
        self.stdout.write(f"{created} liaison login(s) now follow their own enterprise; confirmation links sent.")
