"""File names of downloads that keep æ, ø and å.

``Content-Disposition`` as RFC 6266 writes it: ``filename*=UTF-8''…`` with the name as it is,
for every browser of the last decade, and before it a plain ``filename="…"`` spelt in ASCII
(æ → ae, ø → o, å → a) for the clients that read only that. Django's own header gives one or the
other, never both.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

NORWEGIAN = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "o", "Ø": "O", "å": "a", "Å": "A"})


def ascii_filename(name: str) -> str:
    """``name`` spelt in printable ASCII without quotes or backslashes: "vedtak-blå.pdf" →
    "vedtak-bla.pdf"."""
    decomposed = unicodedata.normalize("NFKD", name.translate(NORWEGIAN))
    plain = decomposed.encode("ascii", "ignore").decode("ascii")
    return re.sub(r'[^\x20-\x7e]|["\\]', "", plain).strip() or "download"


def attachment(filename: str) -> str:
    """The ``Content-Disposition`` of a download saved as ``filename``."""
    fallback = f'attachment; filename="{ascii_filename(filename)}"'
    if filename == ascii_filename(filename):
        return fallback
    return f"{fallback}; filename*=UTF-8''{quote(filename, safe='')}"
