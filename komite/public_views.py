"""The public list of a community's granted projects, and the same as open data.

The open data uses the field names of the 360Giving Data Standard where one fits (CSV: the
standard's column titles; JSON: its ``grants`` package). Organisations are identified by
their Norwegian organisation number under the org-id.guide prefix ``NO-BRC``; a grant's
identifier is ``360G-tilskot-<community>-<decision item>``, stable across exports. Fields the
standard has no name for (the partners, the status) keep plain names.
"""

from __future__ import annotations

import csv
from collections.abc import Callable

from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from soknad.exports import csv_safe
from tilskot.models import Community, Organisation

from . import selectors
from .models import DecisionItem

CSV_FIELDS = [
    "Identifier",
    "Title",
    "Description",
    "Currency",
    "Amount Awarded",
    "Award Date",
    "Planned Dates:Start Date",
    "Planned Dates:End Date",
    "Recipient Org:Identifier",
    "Recipient Org:Name",
    "Funding Org:Identifier",
    "Funding Org:Name",
    "Grant Programme:Title",
    "Partners",
    "Status",
    "Last modified",
]


def org_identifier(organisation: Organisation | None) -> str:
    if organisation is None or not organisation.org_number:
        return ""
    return f"NO-BRC-{organisation.org_number}"


def grant_status(item: DecisionItem, closed: bool = False) -> str:
    if closed:
        return _("Completed")
    today = timezone.localdate()
    if item.period_start and today < item.period_start:
        return _("Not started")
    if item.period_end and today > item.period_end:
        return _("Period ended")
    return _("In progress")


def _grant(item: DecisionItem, community: Community) -> dict:
    application = item.application
    recipient = application.responsible_organisation
    return {
        "id": f"360G-tilskot-{community.slug}-{item.pk}",
        "title": application.title,
        "description": application.summary,
        "currency": "NOK",
        "amountAwarded": float(item.amount),
        "awardDate": item.decision.decided_on.isoformat(),
        "plannedDates": [
            {"startDate": item.period_start.isoformat(), "endDate": item.period_end.isoformat()}
        ],
        "recipientOrganization": [
            {"id": org_identifier(recipient), "name": recipient.name if recipient else ""}
        ],
        "fundingOrganization": [{"id": f"360G-tilskot-{community.slug}", "name": community.name}],
        "grantProgramme": [{"title": item.decision.round.scheme.name}],
        "partners": [{"id": org_identifier(o), "name": o.name} for o in application.partners.all()],
        "status": grant_status(item),
        "dataSource": community.get_absolute_url(),
    }


# Later stages add what they know of each granted project (the final report: closed, the
# learning points its recipient shares): each registers ``facts(application_ids) ->
# {application id: {"closed": bool, "learning": str}}``, so this stage imports none of them.
GRANTED_FACTS: list[Callable[[list[int]], dict[int, dict]]] = []


def register_granted_facts(facts: Callable[[list[int]], dict[int, dict]]):
    if facts not in GRANTED_FACTS:
        GRANTED_FACTS.append(facts)
    return facts


def granted_facts(ids: list[int]) -> dict[int, dict]:
    merged: dict[int, dict] = {}
    for facts in GRANTED_FACTS:
        for pk, known in facts(ids).items():
            merged.setdefault(pk, {}).update(known)
    return merged


def granted(request, community):
    page = Paginator(selectors.granted(request.community), 50).get_page(request.GET.get("side"))
    ids = [item.application_id for item in page]
    facts = granted_facts(ids)
    return render(
        request,
        "komite/granted.html",
        {
            "community": request.community,
            "page": page,
            "rows": [
                (
                    item,
                    grant_status(item, facts.get(item.application_id, {}).get("closed", False)),
                    facts.get(item.application_id, {}).get("learning", ""),
                )
                for item in page
            ],
        },
    )


def granted_json(request, community):
    grants = [_grant(item, request.community) for item in selectors.granted(request.community)]
    response = JsonResponse({"grants": grants}, json_dumps_params={"ensure_ascii": False})
    response["Content-Disposition"] = f'inline; filename="tildelt-{community}.json"'
    return response


def granted_csv(request, community):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tildelt-{community}.csv"'
    response.write("\ufeff")  # so that Excel reads the file as UTF-8
    writer = csv.writer(response)
    writer.writerow(CSV_FIELDS)
    for item in selectors.granted(request.community):
        grant = _grant(item, request.community)
        row = [
            grant["id"],
            grant["title"],
            grant["description"],
            grant["currency"],
            f"{item.amount:.2f}",
            grant["awardDate"],
            grant["plannedDates"][0]["startDate"],
            grant["plannedDates"][0]["endDate"],
            grant["recipientOrganization"][0]["id"],
            grant["recipientOrganization"][0]["name"],
            grant["fundingOrganization"][0]["id"],
            grant["fundingOrganization"][0]["name"],
            grant["grantProgramme"][0]["title"],
            "; ".join(p["name"] for p in grant["partners"]),
            grant["status"],
            item.decision.recorded_at.isoformat(),
        ]
        writer.writerow([csv_safe(cell) for cell in row])
    return response
