"""A submission as PDF: exactly what the applicant sent, rendered from the submission's frozen
snapshot (never from the application as it is now) in the language of the community it was sent
to. WeasyPrint is imported on first use, so loading the URLs does not pay for it."""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from tilskot.models import Organisation

from .models import Application, Submission

STYLESHEET = settings.BASE_DIR / "static" / "css" / "pdf.css"


@cache
def stylesheet():
    """The shared print stylesheet (static/css/pdf.css), parsed once."""
    from weasyprint import CSS

    return CSS(filename=str(STYLESHEET))


def _css_text(text: str) -> str:
    """``text`` made safe inside a double-quoted CSS string."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def _footer_css(number: int) -> str:
    """The page footer. Its words are translated here, since a stylesheet cannot be: the page
    counters go where the translation puts the placeholders ("Side 1 av 3")."""
    page = _css_text(_("Page %(page)s of %(pages)s")) % {
        "page": '" counter(page) "',
        "pages": '" counter(pages) "',
    }
    version = _css_text(_("Submitted version %(number)s") % {"number": number})
    return (
        "@page { "
        f'@bottom-left {{ content: "{version}"; }} '
        f'@bottom-right {{ content: "{page}"; }} '
        "}"
    )


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _organisation(org: dict | None) -> dict | None:
    if org is None:
        return None
    kinds = dict(Organisation.Kind.choices)
    return {**org, "kind_label": kinds.get(org.get("kind"), "")}


def submission_context(submission: Submission) -> dict:
    """What the PDF template shows: the snapshot as it is, plus what it does not hold itself
    (when it was sent, which version) and the labels of its texts."""
    snapshot = submission.snapshot
    texts = snapshot.get("texts", {})
    responsible = snapshot.get("responsible_organisation")
    # As on the case page (rules.parties): the responsible organisation is not repeated as a
    # partner.
    partners = [_organisation(p) for p in snapshot.get("partners", []) if p != responsible]
    labels = {
        f: capfirst(Application._meta.get_field(f).verbose_name) for f in Application.TEXT_FIELDS
    }
    return {
        "snapshot": snapshot,
        "number": submission.number,
        "submitted_at": submission.submitted_at,
        "application_id": submission.application_id,
        "period_start": _date(snapshot.get("period_start", "")),
        "period_end": _date(snapshot.get("period_end", "")),
        "responsible_organisation": _organisation(responsible),
        "partners": partners,
        # Every text in form order, then any the snapshot holds that this code does not know.
        "texts": [(labels[f], texts[f]) for f in Application.TEXT_FIELDS if f in texts]
        + [(capfirst(f.replace("_", " ")), v) for f, v in texts.items() if f not in labels],
    }


def submission_pdf(submission: Submission) -> bytes:
    """The PDF of ``submission``, in the language of its community, on A4."""
    from weasyprint import CSS, HTML

    with translation.override(submission.snapshot.get("language") or settings.LANGUAGE_CODE):
        html = render_to_string("soknad/pdf/submission.html", submission_context(submission))
        footer = CSS(string=_footer_css(submission.number))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet(), footer], pdf_tags=True
    )
