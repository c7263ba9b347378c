"""Upload checks by content, not by file name.

A PDF is opened with a real parser (pypdf) and refused when it does not parse, when anything
in it would act on its own (JavaScript, launch or import actions, embedded files, XFA forms),
or when it also carries another format's signature (a PDF that is also a ZIP or an HTML page).
Office and OpenDocument files are recognised by the parts inside the zip, and refused with
macros. Every download is then served with the Content-Type and file-name extension of the
type found here (``download_name``), never the name the file was uploaded with.
"""

from __future__ import annotations

import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# Characters a file name keeps out of a download (control characters, paths, shell and quote
# characters); letters of any language stay.
UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


@dataclass(frozen=True)
class FileType:
    name: str
    content_type: str
    extension: str


PDF = FileType("PDF", "application/pdf", ".pdf")
DOCX = FileType(
    "Word (DOCX)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".docx",
)
XLSX = FileType(
    "Excel (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"
)
ODT = FileType("OpenDocument (ODT)", "application/vnd.oasis.opendocument.text", ".odt")
ACCEPTED = (PDF, DOCX, XLSX, ODT)
BY_CONTENT_TYPE = {t.content_type: t for t in ACCEPTED}


class UnsafeFileError(Exception):
    """The file is of an accepted type but carries something that could act on its own."""


# --- PDF ------------------------------------------------------------------------------------

# Keys and action types that make a PDF do something by itself, or carry another file.
ACTIVE_KEYS = {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia", "/XFA"}
ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/GoToE", "/SubmitForm", "/Rendition"}
# Another format's signature inside the bytes: an HTML page or script a browser would run.
# (Not <body>: Acrobat keeps a comment's rich text as XHTML "<body xmlns=…>" in the PDF.)
HTML_SIGNATURE = re.compile(rb"<\s*(?:!doctype\s+html|html|script|iframe|svg)\b", re.I)
MAX_OBJECTS = 200_000  # a walk bound: far above any agreement or invoice


def _active_parts(reader: PdfReader) -> set[str]:
    """The active keys and actions reachable from the trailer (the objects a viewer uses)."""
    found: set[str] = set()
    seen: set[int] = set()
    pending: list[object] = [reader.trailer]
    while pending:
        node = pending.pop()
        if isinstance(node, IndirectObject):
            if node.idnum in seen:
                continue
            seen.add(node.idnum)
            if len(seen) > MAX_OBJECTS:
                raise UnsafeFileError("too many objects")
            node = node.get_object()
        if isinstance(node, DictionaryObject):  # a stream's dictionary too; its data is not run
            for key, value in node.items():
                if key in ACTIVE_KEYS:
                    found.add(key)
                if key == "/S" and isinstance(value, NameObject) and value in ACTIVE_ACTIONS:
                    found.add(str(value))
                if key != "/Parent":  # the page tree is reached from its root anyway
                    pending.append(value)
        elif isinstance(node, ArrayObject):
            pending.extend(node)
    return found


def check_pdf(upload) -> None:
    """Raise ``UnsafeFileError`` unless ``upload`` is a PDF that parses and does nothing itself."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if HTML_SIGNATURE.search(data):
        raise UnsafeFileError("HTML inside")
    if zipfile.is_zipfile(upload):  # a ZIP's directory at the end: a PDF+ZIP polyglot
        raise UnsafeFileError("ZIP inside")
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnsafeFileError("encrypted")
        if len(reader.pages) == 0:
            raise UnsafeFileError("no pages")
        found = _active_parts(reader)
    except UnsafeFileError:
        raise
    except Exception as error:
        # pypdf meets malformed input with a range of exceptions (its own, ValueError, KeyError,
        # RecursionError …): any of them means the file is not a PDF we would pass on.
        raise UnsafeFileError(f"does not parse: {error!r}") from None
    finally:
        upload.seek(0)
    if found:
        raise UnsafeFileError("active content: " + ", ".join(sorted(found)))


# --- Office and OpenDocument -----------------------------------------------------------------


def _zip_type(upload) -> FileType | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            if any(n.lower().endswith("vbaproject.bin") or n.startswith("Basic/") for n in names):
                raise UnsafeFileError("macros")
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
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):
        return None
    finally:
        upload.seek(0)
    return None


def detect_type(upload) -> FileType | None:
    """The accepted type of ``upload`` by its content, or None. Raises ``UnsafeFileError`` for a
    file of an accepted type that carries active content."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        check_pdf(upload)
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
    try:
        file_type = detect_type(upload)
    except UnsafeFileError as why:
        logger.info("upload %r refused: %s", upload.name, why)
        raise ValidationError(
            _(
                "“%(name)s” cannot be accepted: it is damaged, password-protected, or contains "
                "scripts, macros, embedded files or another kind of file. Save or print it again "
                "as a plain PDF (or a document without macros) and upload that."
            ),
            code="unsafe",
            params={"name": upload.name},
        ) from None
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


def download_name(name: str, file_type: FileType) -> str:
    """``name`` as a safe file name that ends with the checked type's extension
    (``avtale.html`` served as a PDF becomes ``avtale.pdf``)."""
    stem = PurePath(name.replace("\\", "/")).stem
    stem = UNSAFE_IN_NAME.sub("_", stem).strip(". ") or "dokument"
    return f"{stem[:150]}{file_type.extension}"


def stored_type(file) -> FileType:
    """The checked type of a stored file (read from its content: a file kept before a check
    was added is served as what it is). A file no longer of an accepted type is an error."""
    file_type = detect_type(file)
    if file_type is None:
        raise UnsafeFileError("not an accepted type")
    return file_type
