"""The recommendation as PDF, for the decision body's meeting papers, in the community's
language."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from soknad.pdf import stylesheet

from .models import Recommendation


def recommendation_pdf(recommendation: Recommendation, *, requested: dict) -> bytes:
    """``requested``: application id → the amount it asks for."""
    from weasyprint import HTML

    round_ = recommendation.round
    community = round_.scheme.community
    items = list(recommendation.items.select_related("application"))
    with translation.override(community.language):
        html = render_to_string(
            "komite/pdf/recommendation.html",
            {
                "recommendation": recommendation,
                "round": round_,
                "community": community,
                "items": [(item, requested.get(item.application_id)) for item in items],
                "total": sum((i.amount for i in items if i.grant and i.amount), start=0),
            },
        )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet()], pdf_tags=True
    )
