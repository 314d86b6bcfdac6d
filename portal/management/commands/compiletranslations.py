"""Compile every django.po under LOCALE_PATHS into its .mo file.

Django's own compilemessages needs GNU gettext's msgfmt, which a fresh machine may not
have; polib writes the same binary catalogue from Python, so `make demo` and `make test`
need nothing beyond python3.
"""

from __future__ import annotations

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile the project's .po translation files to .mo without GNU gettext."

    def handle(self, *args, **options):
        compiled = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                catalogue = polib.pofile(str(po_path))
                missing = [entry.msgid for entry in catalogue if not entry.translated() and not entry.obsolete]
                if missing and options["verbosity"] > 1:
                    self.stderr.write(f"{po_path}: {len(missing)} untranslated, e.g. {missing[0]!r}")
                broken = [entry.msgid for entry in catalogue if "fuzzy" in entry.flags]
                if broken:
                    raise CommandError(f"{po_path}: fuzzy entries must be reviewed first: {broken[:3]}")
                catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
                compiled += 1
        if options["verbosity"] > 0:
            self.stdout.write(f"compiled {compiled} catalogue(s)")
