"""The people of the world: per community the secretariat, a pool of committee members, the
decision body, finance, the applicants of the filled applications and the load test's
applicants, each in their role's group and every applicant affiliated to an organisation."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from soknad.models import Affiliation
from tilskot.models import Organisation, User
from tilskot.roles import Role

from .. import world as names
from .state import BATCH, CommunityFill, Fill

# (name in the e-mail address, Role, is_staff): is_staff as ``role_grant`` sets it.
ROLES = [
    (names.SECRETARIAT, Role.SECRETARIAT, True),
    (names.COMMITTEE, Role.COMMITTEE, False),
    (names.DECISION_BODY, Role.DECISION_BODY, False),
    (names.FINANCE, Role.FINANCE, False),
    (names.APPLICANT, Role.APPLICANT, False),
    (names.LOAD_APPLICANT, Role.APPLICANT, False),
]


def _counts(fill: Fill, community: CommunityFill) -> dict[str, int]:
    return {
        names.SECRETARIAT: 3,
        names.COMMITTEE: fill.committee_size + 2,  # a round's committee rotates through them
        names.DECISION_BODY: 1,
        names.FINANCE: 1,
        names.APPLICANT: max(4, community.applications // 4),  # about four applications each
        names.LOAD_APPLICANT: fill.load_applicants,
    }


def units_create(fill: Fill) -> None:
    """Two units of each hospital trust (the reference files name none), as the demo has."""
    units = []
    for community in fill.communities:
        trust = next(
            (o for o in community.organisations if o.kind == Organisation.Kind.HOSPITAL_TRUST),
            None,
        )
        if trust is None:
            continue
        for name in ("Medisinsk klinikk", "Klinikk for psykisk helse og rus"):
            units.append(
                Organisation(
                    community=community.community,
                    kind=Organisation.Kind.HOSPITAL_UNIT,
                    name=f"{trust.name}, {name}",
                    parent=trust,
                    source="bench",
                )
            )
    Organisation.objects.bulk_create(units)
    for community in fill.communities:
        community.organisations += [u for u in units if u.community_id == community.community.pk]


def create(fill: Fill) -> None:
    units_create(fill)
    users: list[User] = []
    groups: list[tuple[User, int]] = []
    for community in fill.communities:
        counts = _counts(fill, community)
        for role_name, role, staff in ROLES:
            for k in range(1, counts[role_name] + 1):
                first, last = fill.text.person()
                user = User(
                    email=names.email(role_name, community.community, k),
                    first_name=first,
                    last_name=last,
                    password=fill.password_hash,
                    is_staff=staff,
                )
                community.users.setdefault(role_name, []).append(user)
                users.append(user)
                groups.append((user, community.groups[role].pk))
    User.objects.bulk_create(users, batch_size=BATCH)
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users],
        batch_size=BATCH,
    )
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=user.pk, group_id=group) for user, group in groups], batch_size=BATCH
    )
    affiliations = []
    for community in fill.communities:
        for user in community.users[names.APPLICANT] + community.users[names.LOAD_APPLICANT]:
            organisation = fill.rng.choice(community.organisations)
            community.affiliations[user.email] = organisation
            affiliations.append(
                Affiliation(  # confirmed signers: they submit, accept and invoice for it
                    user=user,
                    organisation=organisation,
                    job_title=fill.rng.choice(["Rådgjevar", "Prosjektleiar", "Lege"]),
                    status=Affiliation.Status.CONFIRMED,
                    capacity=Affiliation.Capacity.SIGNER,
                    confirmed_via=Affiliation.Via.SECRETARIAT,
                    confirmed_at=fill.now,
                )
            )
    Affiliation.objects.bulk_create(affiliations, batch_size=BATCH)
