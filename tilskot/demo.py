"""Demo data for `make run`: people in every role of every community, rounds that are open or
upcoming *today*, and one decided round with granted projects (its letters not yet issued), so a
newcomer can click through everything. Never loaded in production.

Idempotent: re-running refreshes the demo rounds' dates relative to now and keeps everything
else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from django_scopes import scope

from .models import Community, Organisation, Round, Scheme, User
from .reference import OSLO
from .roles import Role
from .services import role_grant

DEMO_PASSWORD = "tilskot-demo"  # noqa: S105  (printed for the newcomer; demo data only)
DEMO_DOMAIN = "tilskot.test"  # reserved TLD: no mail can leave for it

ROLE_ADDRESS = {
    Role.APPLICANT: "soker",
    Role.SECRETARIAT: "sekretariat",
    Role.COMMITTEE: "komite",
    Role.DECISION_BODY: "vedtak",
    Role.FINANCE: "okonomi",
}

# Units of each hospital trust, for the demo only (the sources name no units).
DEMO_UNITS = {
    "bergen": ["Haukeland universitetssjukehus, Medisinsk klinikk", "Voss sjukehus"],
    "ostfold": ["Sykehuset Østfold Kalnes, Klinikk for psykisk helse og rus"],
    "innlandet": ["Sykehuset Innlandet Gjøvik, Medisinsk avdeling"],
    "nord": ["UNN Harstad, Medisinsk klinikk"],
}


@dataclass
class DemoLogin:
    email: str
    description: str


def demo_email(role: Role, community: Community) -> str:
    return f"{ROLE_ADDRESS[role]}.{community.slug}@{DEMO_DOMAIN}"


def _user(email: str, first_name: str, last_name: str, **extra) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email, DEMO_PASSWORD, first_name=first_name, last_name=last_name, **extra
        )
        EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _demo_rounds(scheme: Scheme, now: dt.datetime) -> None:
    today = timezone.localdate(now, OSLO)
    deadline = dt.datetime.combine(today + dt.timedelta(days=30), dt.time(12, 0), tzinfo=OSLO)
    later_open = dt.datetime.combine(today + dt.timedelta(days=60), dt.time(0, 0), tzinfo=OSLO)
    rounds = [
        (
            "Demorunde",
            dt.datetime.combine(today - dt.timedelta(days=14), dt.time(0, 0), tzinfo=OSLO),
            deadline,
            5_000_000,
        ),
        ("Neste demorunde", later_open, later_open + dt.timedelta(days=45), 2_000_000),
    ]
    for name, opens_at, closes_at, budget in rounds:
        Round.objects.update_or_create(
            scheme=scheme,
            name=name,
            defaults={
                "opens_at": opens_at,
                "closes_at": closes_at,
                "budget": budget,
                "max_amount": 1_500_000,
                "description": "Demo round made by `make run`; not a real call.",
            },
        )


# Later stages add their part of the demo (the committee's: a decided round with granted
# projects): each registers ``demo(scheme, now)``, called inside the community's scope after
# the rounds are made, so the core imports no stage.
DEMO_PARTS: list[Callable[[Scheme, dt.datetime], None]] = []


def register_demo(part: Callable[[Scheme, dt.datetime], None]):
    if part not in DEMO_PARTS:
        DEMO_PARTS.append(part)
    return part


@transaction.atomic
def load_demo(now: dt.datetime | None = None) -> list[DemoLogin]:
    now = now or timezone.now()
    logins = [DemoLogin(f"admin@{DEMO_DOMAIN}", "superuser: every community, the admin")]
    _user(f"admin@{DEMO_DOMAIN}", "Ada", "Admin", is_staff=True, is_superuser=True)
    communities = list(Community.objects.order_by("slug"))
    for community in communities:
        with scope(community=community):
            trust = Organisation.objects.filter(kind=Organisation.Kind.HOSPITAL_TRUST).first()
            for unit in DEMO_UNITS.get(community.slug, []):
                if trust is not None:
                    Organisation.objects.get_or_create(
                        community=community,
                        kind=Organisation.Kind.HOSPITAL_UNIT,
                        name=unit,
                        defaults={"parent": trust, "source": "demo data"},
                    )
        for role in Role:
            email = demo_email(role, community)
            user = _user(email, role.label.capitalize(), community.name)
            role_grant(user=user, community=community, role=role)
            logins.append(DemoLogin(email, f"{role.label} in {community.name}"))
        with scope(community=community):
            for scheme in Scheme.objects.all():
                _demo_rounds(scheme, now)
                for part in DEMO_PARTS:
                    part(scheme, now)
    # One person with different roles in two communities: roles are per community.
    by_slug = {c.slug: c for c in communities}
    if {"ostfold", "bergen"} <= by_slug.keys():
        kari = _user(f"kari@{DEMO_DOMAIN}", "Kari", "Nordmann")
        role_grant(user=kari, community=by_slug["ostfold"], role=Role.APPLICANT)
        role_grant(user=kari, community=by_slug["bergen"], role=Role.COMMITTEE)
        logins.append(DemoLogin(kari.email, "applicant in Østfold and committee member in Bergen"))
    return logins
