"""The snapshot a submission keeps, as ``soknad.services.snapshot`` makes it, built from the
planned case without a query."""

from __future__ import annotations

from decimal import Decimal

from soknad.models import Application, BudgetLine, Document
from tilskot.models import Organisation

from .state import Case, CommunityFill


def _org(o: Organisation | None) -> dict | None:
    return None if o is None else {"name": o.name, "org_number": o.org_number, "kind": o.kind}


def snapshot(community: CommunityFill, case: Case, documents: list[Document]) -> dict:
    """What ``soknad.services.snapshot`` keeps, built from the plan without a query."""
    application = case.application
    criteria = {a.criterion_id: a.text for a in case.criterion_answers}
    questions = {a.question_id: a for a in case.question_answers}
    requested = case.requested
    own = sum((line.own_contribution for line in case.lines), Decimal(0))
    return {
        "community": community.community.name,
        "language": community.community.language,
        "round": case.round.round.name,
        "title": application.title,
        "summary": application.summary,
        "description": application.description,
        "period_start": application.period_start.isoformat() if application.period_start else "",
        "period_end": application.period_end.isoformat() if application.period_end else "",
        "owner": {"name": application.owner.get_full_name(), "email": application.owner.email},
        "responsible_organisation": _org(application.responsible_organisation),
        "partners": [_org(p) for p in case.partners],
        "anchoring": {"name": application.anchoring_name, "title": application.anchoring_title},
        "patient_responsibility": application.patient_responsibility,
        "priority_areas": [a.name for a in case.areas],
        "texts": {name: getattr(application, name) for name in Application.TEXT_FIELDS},
        "criteria": [
            {"title": c.title, "kind": c.kind, "answer": criteria.get(c.pk, "")}
            for c in community.criteria
        ],
        "questions": [
            {
                "text": q.text,
                "yes": getattr(questions.get(q.pk), "yes", None),
                "answer": getattr(questions.get(q.pk), "text", ""),
            }
            for q in community.questions
        ],
        "budget": [
            {
                "year": line.year,
                "party": line.organisation.name,
                "description": line.description,
                "requested": str(line.requested_amount),
                "own_contribution": str(line.own_contribution),
                "kind": str(BudgetLine.ContributionKind(line.own_contribution_kind).label),
            }
            for line in case.lines
        ],
        "totals": {
            "requested": f"{requested:.2f}",
            "own_contribution": f"{own:.2f}",
            "total": f"{requested + own:.2f}",
        },
        "costs_gains": [
            {
                "party": cg.organisation.name,
                "cost_per_year": str(cg.cost_per_year),
                "gain_per_year": str(cg.gain_per_year),
                "description": cg.description,
            }
            for cg in case.costs
        ],
        "documents": [
            {"name": d.original_name, "kind": d.get_kind_display(), "size": d.size}
            for d in documents
        ],
    }
