"""Real PDFs for the tests (made with pypdf), and the hostile ones the upload check refuses."""

from __future__ import annotations

import io
import zipfile

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    NameObject,
    TextStringObject,
)


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


def pdf_with_a_comment() -> bytes:
    """A signed agreement someone commented in Acrobat, written out as Acrobat writes it: the
    comment's rich text is XHTML (``<body xmlns=…>``) in a literal string."""
    rich = b'<?xml version="1.0"?><body xmlns="http://www.w3.org/1999/xhtml"><p>Godkjent</p></body>'
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Annots[4 0 R]>>",
        b"<</Type/Annot/Subtype/Text/Rect[50 50 70 70]/Contents(Godkjent)/RC(" + rich + b")>>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


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
