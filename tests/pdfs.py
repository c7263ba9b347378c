"""Real PDFs for the tests (made with pypdf), and the hostile ones the upload check refuses."""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject


def _written(writer: PdfWriter) -> bytes:
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _writer(title: str) -> PdfWriter:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    return writer


def pdf_bytes(title: str = "Tilskot test document") -> bytes:
    """A one-page A4 PDF that any reader opens."""
    return _written(_writer(title))


def pdf_with_javascript() -> bytes:
    """Document-level JavaScript, in the catalog's name tree (run when the file opens)."""
    writer = _writer("JavaScript")
    action = DictionaryObject(
        {
            NameObject("/S"): NameObject("/JavaScript"),
            NameObject("/JS"): TextStringObject("app.alert('hei');"),
        }
    )
    names = DictionaryObject(
        {NameObject("/Names"): ArrayObject([TextStringObject("hei"), writer._add_object(action)])}
    )
    writer._root_object[NameObject("/Names")] = DictionaryObject(
        {NameObject("/JavaScript"): writer._add_object(names)}
    )
    return _written(writer)


def pdf_with_launch_action() -> bytes:
    writer = _writer("Launch")
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("cmd.exe"),
        }
    )
    return _written(writer)


def pdf_with_embedded_file() -> bytes:
    writer = _writer("Attachment")
    writer.add_attachment("faktura.exe", b"MZ\x90\x00 not really a program")
    return _written(writer)


def pdf_and_html() -> bytes:
    """A PDF that is also an HTML page (a browser that sniffs it runs the script)."""
    return pdf_bytes() + b"\n<html><body><script>alert(document.cookie)</script></body></html>\n"


def pdf_and_zip() -> bytes:
    """A PDF with a ZIP archive appended: ZIP readers find its directory at the end."""
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.txt", "not a PDF part")
    return pdf_bytes() + archive.getvalue()


HOSTILE = {
    "javascript": pdf_with_javascript,
    "launch": pdf_with_launch_action,
    "embedded-file": pdf_with_embedded_file,
    "pdf+html": pdf_and_html,
    "pdf+zip": pdf_and_zip,
    "does-not-parse": lambda: b"%PDF-1.4 faktura",
}
