"""Load a community's reference rules from its YAML file in ``fixtures/reference/``.

One readable file per community holds every rule the sources state (criteria in the community's
own words, priority areas, rounds, committee, members); ``national.yaml`` holds the national
priority groups once, in bokmål and nynorsk, and is copied into each scheme that asks for it.

A community that already exists is left alone unless ``update=True``: after the first load its
secretariat owns the rules in the admin, and a restart must not undo their edits. Updating
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
from django.db import transaction
from django_scopes import scope

from .models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    Criterion,
    Organisation,
    PriorityArea,
    ReportQuestion,
    Round,
    Scheme,
    SchemeFunding,
)
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


def load_national(directory: Path = REFERENCE_DIR) -> list[dict]:
    with (directory / NATIONAL_FILE).open(encoding="utf-8") as f:
        return yaml.safe_load(f)["priority_areas"]


@transaction.atomic
def load_community_file(path: Path, *, update: bool = False) -> LoadResult:
    with path.open(encoding="utf-8") as f:
        data = yaml.safe_load(f)
    fields = data["community"]
    community = Community.objects.filter(slug=fields["slug"]).first()
    if community is not None and not update:
        return LoadResult(community=community, created=False, updated=False)
    created = community is None
    community, _ = Community.objects.update_or_create(
        slug=fields["slug"], defaults={k: v for k, v in fields.items() if k != "slug"}
    )
    community.full_clean()
    community_role_groups_ensure(community=community)
    national = load_national(path.parent)
    with scope(community=community):
        _load_organisations(community, data.get("organisations", []))
        for order, seat in enumerate(data.get("committee_seats", []), start=1):
            CommitteeSeat.objects.update_or_create(community=community, order=order, defaults=seat)
        for scheme_data in data.get("schemes", []):
            _load_scheme(community, scheme_data, national)
    return LoadResult(community=community, created=created, updated=not created)


def _load_organisations(community: Community, rows: list[dict]) -> None:
    for row in rows:
        row = dict(row)
        parent_name = row.pop("parent", None)
        if row["kind"] == Organisation.Kind.MUNICIPALITY:
            key = {"kind": row["kind"], "municipality_number": row["municipality_number"]}
        elif row["kind"] == Organisation.Kind.HOSPITAL_TRUST:
            key = {"kind": row["kind"], "org_number": row["org_number"]}
        else:
            key = {"kind": row["kind"], "name": row["name"]}
        defaults = {k: v for k, v in row.items() if k not in key}
        if parent_name is not None:
            defaults["parent"] = Organisation.objects.get(name=parent_name)
        org, _ = Organisation.objects.update_or_create(
            community=community, **key, defaults=defaults
        )
        org.full_clean()


def _load_scheme(community: Community, data: dict, national: list[dict]) -> Scheme:
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
    national_rows = [{"name": n[community.language], "description": ""} for n in national]
    for kind, rows in (
        (PriorityArea.Kind.NATIONAL, national_rows if with_national else []),
        (PriorityArea.Kind.COMMUNITY, areas),
    ):
        for order, item in enumerate(rows, start=1):
            PriorityArea.objects.update_or_create(
                scheme=scheme, kind=kind, order=order, defaults=item
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
