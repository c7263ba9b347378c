"""Compile */LC_MESSAGES/*.po under every LOCALE_PATHS folder (locale/, and locale_vendor/ with
our nynorsk for django-allauth) into .mo files with polib, so that a machine without GNU gettext
(msgfmt) can still run Tilskot in every language. Only stale catalogs are rebuilt."""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile the gettext catalogs (.po → .mo) without needing msgfmt."

    def handle(self, *args, **options):
        compiled = 0
        for locale_path in settings.LOCALE_PATHS:
            for po_path in sorted(Path(locale_path).glob("*/LC_MESSAGES/*.po")):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                compiled += 1
        if compiled:
            self.stdout.write(f"Compiled {compiled} catalog(s).")
