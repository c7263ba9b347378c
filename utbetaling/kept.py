"""An invoice's PDF kept while the rest of its registration is refused, so the recipient need
not choose the file again (as an application's documents are kept). The file waits in the
storage under ``kept/invoices/<grant>/``; the form carries a signed token that names it, valid
for a day and for that grant only."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from soknad.uploads import PDF, validate_upload

from .models import Grant

SALT = "tilskot.kept-invoice"
MAX_AGE = 24 * 3600
FIELD = "kept_file"


@dataclass
class KeptInvoice:
    path: str
    name: str
    token: str

    @property
    def file(self):
        kept = default_storage.open(self.path, "rb")
        kept.name = self.name
        return kept

    def discard(self) -> None:
        default_storage.delete(self.path)


def _prefix(grant: Grant) -> str:
    return f"kept/invoices/{grant.pk}/"


def kept_invoice_get(*, token: str, grant: Grant) -> KeptInvoice | None:
    """The PDF kept for ``grant`` that ``token`` names, or None (none, forged, expired, gone)."""
    if not token:
        return None
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    path = data.get("path", "")
    if data.get("grant") != grant.pk or not path.startswith(_prefix(grant)):
        return None
    if not default_storage.exists(path):
        return None
    return KeptInvoice(path=path, name=data.get("name", "faktura.pdf"), token=token)


def kept_invoice_make(form, *, grant: Grant) -> KeptInvoice | None:
    """Keep the PDF uploaded with a refused registration, if it is one we accept."""
    upload = form.files.get(form.add_prefix("file"))
    if upload is None:
        return None
    try:
        if validate_upload(upload) != PDF:
            return None
    except ValidationError:
        return None  # its own error says why; nothing to keep
    upload.seek(0)
    path = default_storage.save(f"{_prefix(grant)}{uuid.uuid4().hex}.pdf", upload)
    name = upload.name[:200]
    token = signing.dumps({"grant": grant.pk, "path": path, "name": name}, salt=SALT)
    return KeptInvoice(path=path, name=name, token=token)


def kept_invoice_show(form, kept: KeptInvoice | None) -> None:
    """Put the kept file's token in the shown form, and say that it is kept."""
    if kept is None or "file" not in form.fields:
        return
    form.data = form.data.copy()
    form.data[form.add_prefix(FIELD)] = kept.token
    form.kept_name = kept.name  # the grant page says so above the form
