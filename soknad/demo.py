"""The applications stage's part of ``make run``'s demo data (registered with
``tilskot.demo.register_demo``): the demo applicant works for the organisations the demo
applications are made for, confirmed by the secretariat as their signer and organisation admin,
so they submit, accept grants, register invoices and confirm colleagues."""

from __future__ import annotations

import datetime as dt

from tilskot.demo import demo_email
from tilskot.models import Organisation, Scheme, User
from tilskot.roles import Role

from . import representation
from .models import Affiliation
from .profile import affiliation_add


def demo_organisations() -> list[Organisation]:
    """The organisations the demo applications are made for, in turn: the first three by kind
    and name (the hospital trust, then its units or the first municipality)."""
    return list(Organisation.objects.order_by("kind", "name")[:3])


def demo_representation(scheme: Scheme, now: dt.datetime) -> None:
    community = scheme.community
    applicant = User.objects.get(email=demo_email(Role.APPLICANT, community))
    secretariat = User.objects.get(email=demo_email(Role.SECRETARIAT, community))
    for organisation in demo_organisations():
        affiliation = Affiliation.objects.filter(user=applicant, organisation=organisation).first()
        if affiliation is None:
            affiliation = affiliation_add(user=applicant, organisation=organisation)
        if not affiliation.is_signer:
            affiliation = representation.affiliation_confirm(
                affiliation=affiliation,
                by=secretariat,
                capacity=Affiliation.Capacity.SIGNER,
                via=Affiliation.Via.SECRETARIAT,
            )
        if not affiliation.is_admin:
            representation.affiliation_admin_set(
                affiliation=affiliation, by=secretariat, is_admin=True
            )
