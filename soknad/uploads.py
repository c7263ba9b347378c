"""Upload checks by content, not by file name: the first bytes (and, for Office and
OpenDocument files, the parts inside the zip) must match an accepted format."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str


PDF = FileType("PDF", "application/pdf")
DOCX = FileType(
    "Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
)
XLSX = FileType("Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
ODT = FileType("OpenDocument (ODT)", "application/vnd.oasis.opendocument.text")
ACCEPTED = (PDF, DOCX, XLSX, ODT)


def _zip_type(upload) -> FileType | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if (
                "mimetype" in names
                and archive.read("mimetype").strip() == ODT.content_type.encode()
            ):
                return ODT
            if "[Content_Types].xml" in names:
                if any(n.startswith("word/") for n in names):
                    return DOCX
                if any(n.startswith("xl/") for n in names):
                    return XLSX
    except (zipfile.BadZipFile, OSError, KeyError):
        return None
    finally:
        upload.seek(0)
    return None


def detect_type(upload) -> FileType | None:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_type(upload)
    return None


def validate_upload(upload) -> FileType:
    """The accepted type of ``upload``, or a ValidationError that tells the user what to do."""
    if upload.size == 0:
        raise ValidationError(_("The file is empty. Choose the file again."), code="empty")
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s. Files can be at most %(max)s: make it smaller or split it."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "max": filesizeformat(MAX_UPLOAD_BYTES)},
        )
    file_type = detect_type(upload)
    if file_type is None:
        raise ValidationError(
            _(
                "“%(name)s” is not a PDF, Word (DOCX), Excel (XLSX) or OpenDocument (ODT) file. "
                "Save it in one of these formats and upload it again."
            ),
            code="file_type",
            params={"name": upload.name},
        )
    return file_type
