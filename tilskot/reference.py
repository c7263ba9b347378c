"""Load a community's reference rules from its YAML file in ``fixtures/reference/``.

One readable file per community holds every rule the sources state (criteria in the community's
own words, priority areas, rounds, committee, members); ``national.yaml`` holds the national
priority groups once, in bokmål and nynorsk, and is copied into each scheme that asks for it.

A community that already exists is left alone unless ``update=True``: after the first load its
secretariat owns the rules on its rules pages, and a restart must not undo their edits. Updating
upserts by natural key (organisations by number, rounds by name, criteria by order, ...) and
deletes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django_scopes import scope

from .member_import import OrganisationRow, organisations_import
from .models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    Criterion,
    PriorityArea,
    ReportQuestion,
    Round,
    Scheme,
    SchemeFunding,
)
from .onboarding import community_create, national_priorities_set
from .services import community_role_groups_ensure

REFERENCE_DIR = settings.BASE_DIR / "fixtures" / "reference"
NATIONAL_FILE = "national.yaml"
OSLO = ZoneInfo("Europe/Oslo")


@dataclass
class LoadResult:
    community: Community
    created: bool
    updated: bool


def reference_files(directory: Path = REFERENCE_DIR) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if p.name != NATIONAL_FILE)


def oslo_time(value: str | dt.datetime) -> dt.datetime:
    """A wall-clock time in Norway ("2024-12-01 23:59") as an aware datetime."""
    moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=OSLO)


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@transaction.atomic
def load_community_file(path: Path, *, update: bool = False) -> LoadResult:
    """Load one community's file. A new community is created, and its members imported, through
    the same services as the operator's pages (``tilskot.onboarding``); with ``update`` an
    existing one gets the file's values again (upserted, nothing deleted)."""
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    fields = data["community"]
    community = Community.objects.filter(slug=fields["slug"]).first()
    if community is not None and not update:
        return LoadResult(community=community, created=False, updated=False)
    created = community is None
    schemes = data.get("schemes", [])
    if created:
        community = community_create(
            fields=fields,
            hospital_trust=None,  # imported with the other members below
            units=[],
            scheme_name=schemes[0]["name"] if schemes else "",
            national_priorities=False,  # each scheme's own choice, in _load_scheme
        )
    else:
        for key, value in fields.items():
            setattr(community, key, value)
        community.full_clean()
        community.save()
        community_role_groups_ensure(community=community)
    with scope(community=community):
        _load_organisations(community, data.get("organisations", []))
        for order, seat in enumerate(data.get("committee_seats", []), start=1):
            CommitteeSeat.objects.update_or_create(community=community, order=order, defaults=seat)
        for scheme_data in schemes:
            _load_scheme(community, scheme_data, path.parent)
    return LoadResult(community=community, created=created, updated=not created)


def _load_organisations(community: Community, rows: list[dict]) -> None:
    """The file's members, through the CSV import's checks: a member already there (by its
    municipality or organisation number, the trust, a unit by name) is updated."""
    organisations = []
    for line, row in enumerate(rows, start=1):
        row = dict(row)
        row.pop("parent", None)  # a unit's parent is always the community's hospital trust
        organisations.append(
            OrganisationRow(
                line=line,
                name=row.pop("name"),
                org_number=row.pop("org_number", ""),
                kind=row.pop("kind"),
                municipality_number=row.pop("municipality_number", ""),
                extra=row,
            )
        )
    errors = organisations_import(community=community, rows=organisations, save=True)
    if errors:
        raise ValidationError(
            [f"organisations, item {e.line}: {e.field_label} {e.message}".strip() for e in errors]
        )


def _load_scheme(community: Community, data: dict, directory: Path) -> Scheme:
    data = dict(data)
    criteria = data.pop("criteria", [])
    areas = data.pop("priority_areas", [])
    questions = data.pop("questions", [])
    report_questions = data.pop("report_questions", [])
    if "auditor_threshold" in data:
        data["auditor_threshold"] = _money(data["auditor_threshold"])
    fundings = data.pop("fundings", [])
    rounds = data.pop("rounds", [])
    with_national = data.pop("national_priorities", True)
    scheme, _ = Scheme.objects.update_or_create(
        community=community, name=data.pop("name"), defaults=data
    )
    scheme.full_clean()

    for order, item in enumerate(criteria, start=1):
        criterion, _ = Criterion.objects.update_or_create(scheme=scheme, order=order, defaults=item)
        criterion.full_clean()
    if with_national:  # never taken away here: the loader deletes nothing
        national_priorities_set(
            scheme=scheme,
            include=True,
            language=community.language,
            path=directory / NATIONAL_FILE,
        )
    for order, item in enumerate(areas, start=1):
        PriorityArea.objects.update_or_create(
            scheme=scheme, kind=PriorityArea.Kind.COMMUNITY, order=order, defaults=item
        )
    for order, item in enumerate(questions, start=1):
        item = dict(item)
        question, _ = ApplicationQuestion.objects.update_or_create(
            scheme=scheme, key=item.pop("key"), defaults={"order": order, **item}
        )
        question.full_clean()
    for order, item in enumerate(report_questions, start=1):
        item = dict(item)
        question, _ = ReportQuestion.objects.update_or_create(
            scheme=scheme, key=item.pop("key"), defaults={"order": order, **item}
        )
        question.full_clean()
    for item in fundings:
        item = dict(item)
        funding, _ = SchemeFunding.objects.update_or_create(
            scheme=scheme,
            year=item.pop("year"),
            defaults={**item, "amount": _money(item["amount"])},
        )
        funding.full_clean()
    for item in rounds:
        item = dict(item)
        round_, _ = Round.objects.update_or_create(
            scheme=scheme,
            name=item.pop("name"),
            defaults={
                **item,
                "opens_at": oslo_time(item["opens_at"]),
                "closes_at": oslo_time(item["closes_at"]),
                "budget": _money(item.get("budget")),
                "max_amount": _money(item.get("max_amount")),
            },
        )
        round_.full_clean()
    return scheme
