"""The catalogs are complete in all three languages and up to date with the code."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LANGUAGES = [code for code, _name in settings.LANGUAGES]
LOCALE = Path(settings.LOCALE_PATHS[0])


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_is_complete(language):
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert catalog.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"


def test_catalogs_are_up_to_date_with_the_code(tmp_path):
    """makemessages into a copy must find no msgid the committed catalog lacks."""
    assert shutil.which("xgettext"), "GNU gettext is needed: apt-get install gettext"
    copy = tmp_path / "project"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "node_modules", "staticfiles", ".git", "media", "*.sqlite3", "tests"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--locale",
            "nb",
            "--no-obsolete",
            "--ignore",
            "tests/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    # (context, msgid): a word given a context of its own (pgettext) is a new entry too.
    fresh = {
        (e.msgctxt or "", e.msgid)
        for e in polib.pofile(str(copy / "locale/nb/LC_MESSAGES/django.po"))
    }
    committed = {
        (e.msgctxt or "", e.msgid) for e in polib.pofile(str(LOCALE / "nb/LC_MESSAGES/django.po"))
    }
    assert sorted(fresh - committed) == [], "run `make messages` and translate the new strings"
