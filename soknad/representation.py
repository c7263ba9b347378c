"""Representation: who may act for a member organisation.

A person claims on their profile that they work for an organisation (``profile.affiliation_add``);
the claim is *unverified* until an admin of that organisation, the community's secretariat or the
identity provider (Ansattporten naming the organisation) confirms it, as *writer* or *signer*
(the predicates are in ``soknad.rules``: ``may_sign_for``, ``signers_of``, ``signing_for``).
Organisation admins confirm their colleagues; nobody confirms themselves except through the
identity provider. Every change is kept in the affiliation's history, with who made it and how.

Services (keyword-only, atomic) come first, then the reads of the pages, then the receiver of the
core's ``identity_verified`` signal.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from tilskot.messaging import notify
from tilskot.models import Notification, Organisation, User
from tilskot.roles import Role, has_role
from tilskot.services import role_grant

from . import rules, services
from .models import Affiliation, Application, Invitation

logger = logging.getLogger(__name__)

Via = Affiliation.Via
Capacity = Affiliation.Capacity
Status = Affiliation.Status


# --- who may change whose affiliation ----------------------------------------------------------


def _require_authority(affiliation: Affiliation, by: User, via: str) -> None:
    """``by`` acts on ``affiliation`` in the way ``via`` names: as an admin of that very
    organisation, as the community's secretariat, or (the identity provider) as the person
    themselves, vouched for by the provider. Anyone else, or another organisation's admin, is
    refused; so is confirming oneself other than through the identity provider."""
    organisation = affiliation.organisation
    if via == Via.IDENTITY_PROVIDER:
        if affiliation.user_id != by.pk:
            raise PermissionDenied
        return
    if affiliation.user_id == by.pk:
        raise ValidationError(
            _("You cannot confirm or change your own affiliation: ask another admin of it.")
        )
    if via == Via.SECRETARIAT:
        if not has_role(by, organisation.community, Role.SECRETARIAT):
            raise PermissionDenied
    elif via == Via.ORGANISATION_ADMIN:
        if not rules.is_organisation_admin(by, organisation):
            raise PermissionDenied
    else:
        raise ValidationError(_("Say how the affiliation is confirmed."))


def via_of(by: User, organisation: Organisation) -> str:
    """How ``by`` confirms people of ``organisation`` from the organisation's page: as its admin
    where they are one, else as the secretariat (the service refuses anyone else)."""
    if rules.is_organisation_admin(by, organisation):
        return Via.ORGANISATION_ADMIN
    return Via.SECRETARIAT


def _save(affiliation: Affiliation, *, by: User | None, reason: str) -> Affiliation:
    affiliation.full_clean()
    affiliation._history_user = by  # also outside a request (the identity provider's signal)
    affiliation._change_reason = reason[:100]
    affiliation.save()
    affiliation.user.__dict__.pop(rules.AFFILIATED_CACHE, None)
    logger.info("affiliation %s: %s (by %s)", affiliation.pk, reason, getattr(by, "pk", None))
    return affiliation


def _locked(affiliation: Affiliation) -> Affiliation:
    return (
        Affiliation.objects.select_for_update(of=("self",))
        .select_related("organisation__community", "user")
        .get(pk=affiliation.pk)
    )


def _capacity(capacity: str) -> str:
    if capacity not in Capacity.values:
        raise ValidationError(_("Choose whether the person writes or signs for the organisation."))
    return capacity


@transaction.atomic
def affiliation_confirm(
    *, affiliation: Affiliation, by: User, capacity: str, via: str
) -> Affiliation:
    """Confirm that the person works for the organisation, as writer or signer (``capacity``),
    by way of ``via``: an admin of that organisation, the secretariat, or the identity provider
    (then ``by`` is the person themselves). Confirming again sets the capacity anew."""
    affiliation = _locked(affiliation)
    _require_authority(affiliation, by, via)
    affiliation.status = Status.CONFIRMED
    affiliation.capacity = _capacity(capacity)
    affiliation.confirmed_by = None if via == Via.IDENTITY_PROVIDER else by
    affiliation.confirmed_at = timezone.now()
    affiliation.confirmed_via = via
    return _save(affiliation, by=by, reason=f"confirmed as {capacity} via {via}")


@transaction.atomic
def affiliation_capacity_set(*, affiliation: Affiliation, by: User, capacity: str) -> Affiliation:
    """Make a confirmed person writer or signer for the organisation (an admin of it, or the
    secretariat)."""
    affiliation = _locked(affiliation)
    _require_authority(affiliation, by, via_of(by, affiliation.organisation))
    if not affiliation.is_confirmed:
        raise ValidationError(_("Confirm the affiliation first."))
    affiliation.capacity = _capacity(capacity)
    return _save(affiliation, by=by, reason=f"now {capacity}")


@transaction.atomic
def affiliation_admin_set(*, affiliation: Affiliation, by: User, is_admin: bool) -> Affiliation:
    """Make a confirmed person an admin of the organisation, or no longer one: the secretariat,
    or an admin of the same organisation (who may also step down themselves)."""
    affiliation = _locked(affiliation)
    stepping_down = affiliation.user_id == by.pk and not is_admin
    if stepping_down:
        if not affiliation.is_admin:
            raise ValidationError(_("You are not an admin of this organisation."))
    else:
        _require_authority(affiliation, by, via_of(by, affiliation.organisation))
    if is_admin and not affiliation.is_confirmed:
        raise ValidationError(_("Confirm the affiliation first: only a confirmed person is admin."))
    affiliation.is_admin = is_admin
    return _save(affiliation, by=by, reason="made admin" if is_admin else "no longer admin")


@transaction.atomic
def affiliation_dismiss(*, affiliation: Affiliation, by: User) -> None:
    """Remove a person from the organisation's people (they do not work there): an admin of
    it, or the secretariat. The history keeps the row and who removed it."""
    affiliation = _locked(affiliation)
    _require_authority(affiliation, by, via_of(by, affiliation.organisation))
    affiliation._history_user = by
    affiliation._change_reason = "removed from the organisation"
    logger.info("affiliation %s removed by %s", affiliation.pk, by.pk)
    affiliation.user.__dict__.pop(rules.AFFILIATED_CACHE, None)
    affiliation.delete()


# --- asking a signer ---------------------------------------------------------------------------


@transaction.atomic
def signature_request(*, application: Application, by: User, signer: User) -> Application:
    """An applicant asks one of the responsible organisation's signers to submit the
    application. The signer becomes co-applicant (they read, complete and submit it; the case
    log says who asked them) and is told by e-mail, once per submission round."""
    if not rules.is_applicant_of(by, application) or not application.is_editable:
        raise PermissionDenied
    organisation = application.responsible_organisation
    if organisation is None:
        raise ValidationError(_("Choose the responsible organisation first."))
    if signer.pk == by.pk or signer.pk not in {u.pk for u in rules.signers_of(organisation)}:
        raise ValidationError(
            _("%(name)s is not a signer for %(organisation)s.")
            % {"name": rules.person_name(signer), "organisation": organisation}
        )
    if not rules.is_applicant_of(signer, application):
        invitation, _created = Invitation.objects.get_or_create(
            application=application,
            email=signer.email.lower(),
            accepted_by=None,
            defaults={"invited_by": by},
        )
        services.invitation_accept(invitation=invitation, user=signer)
    community = application.community
    sent = notify(
        community=community,
        kind=Notification.Kind.SIGNATURE_REQUESTED,
        # Once per signer and submission: asked again after more information, told again.
        key=f"signature-requested:{application.pk}:{signer.pk}:{application.submissions.count()}",
        recipients=[signer],
        template="soknad/emails/signature_requested",
        context={"application": application, "by": by, "organisation": organisation},
        url=reverse(
            "soknad:step",
            kwargs={"community": community.slug, "application": application.pk, "step": "review"},
        ),
    )
    if sent:  # asked again, nobody is told twice: nor does the case log say it twice
        with translation.override(community.language):  # the case log reads in one language
            message = _("%(by)s asked %(signer)s to sign for %(organisation)s.") % {
                "by": rules.person_name(by),
                "signer": rules.person_name(signer),
                "organisation": organisation,
            }
        services.case_note(application=application, by=by, message=message)
    return application


# --- reads for the pages -----------------------------------------------------------------------


def confirmers(affiliations) -> dict[int, list[User]]:
    """For each organisation of ``affiliations``, its admins (one query)."""
    found: dict[int, list[User]] = defaultdict(list)
    organisation_ids = {a.organisation_id for a in affiliations}
    if not organisation_ids:
        return found
    for admin in (
        Affiliation.objects.filter(
            organisation_id__in=organisation_ids, status=Status.CONFIRMED, is_admin=True
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    ):
        found[admin.organisation_id].append(admin.user)
    return found


def organisation_people(*, organisation: Organisation) -> QuerySet[Affiliation]:
    """Who works for ``organisation`` in Tilskot: the unconfirmed first ("unverified" sorts
    after "confirmed"), then by name."""
    return (
        Affiliation.objects.filter(organisation=organisation)
        .select_related("user", "confirmed_by")
        .order_by("-status", "user__first_name", "user__last_name", "user__email")
    )


def organisations_overview() -> QuerySet[Organisation]:
    """The active community's organisations with how many people each has in Tilskot and how
    many of them wait for confirmation (those first), at one query."""
    return Organisation.objects.annotate(
        people=Count("affiliations"),
        unverified=Count("affiliations", filter=Q(affiliations__status=Status.UNVERIFIED)),
        waiting_since=Min(
            "affiliations__created_at", filter=Q(affiliations__status=Status.UNVERIFIED)
        ),
    ).order_by("-unverified", "kind", "name")


@dataclass(frozen=True)
class Waiting:
    organisation_id: int
    organisation_name: str
    count: int
    since: object


def waiting_for(*, user: User, secretariat: bool) -> list[Waiting]:
    """The organisations with people to confirm that ``user`` may confirm (all of the
    community's for the secretariat, else those they are admin of), at one query."""
    unverified = Affiliation.objects.filter(status=Status.UNVERIFIED)
    if not secretariat:
        unverified = unverified.filter(
            organisation__in=Affiliation.objects.filter(
                user=user, status=Status.CONFIRMED, is_admin=True
            ).values("organisation")
        )
    rows = (
        unverified.values("organisation", "organisation__name")
        .annotate(count=Count("pk"), since=Min("created_at"))
        .order_by("since", "organisation__name")
    )
    return [
        Waiting(r["organisation"], r["organisation__name"], r["count"], r["since"]) for r in rows
    ]


# --- the identity provider ---------------------------------------------------------------------


def identity_verified_receive(
    sender, *, user: User, provider: str, organisation_numbers=(), acr: str = "", **kwargs
) -> list[Affiliation]:
    """Receiver of ``tilskot.signals.identity_verified``: Ansattporten names the organisations
    the person may act for, so in every community the person is confirmed as signer for each
    member organisation with one of those numbers (their affiliation made where missing; an
    admin stays admin). Anything but nine digits is ignored."""
    numbers = {n for n in (str(n).strip() for n in organisation_numbers or ()) if n.isdigit()}
    numbers = {n for n in numbers if len(n) == 9}
    if not numbers:
        return []
    with scopes_disabled():
        organisations = list(
            Organisation.objects.filter(org_number__in=numbers).select_related("community")
        )
    confirmed = []
    for organisation in organisations:
        community = organisation.community
        with scope(community=community), transaction.atomic():
            affiliation = Affiliation.objects.filter(user=user, organisation=organisation).first()
            created = affiliation is None
            if created:
                affiliation = Affiliation(user=user, organisation=organisation)
                affiliation._history_user = user
                affiliation._change_reason = f"named by {provider}"[:100]
                affiliation.save()
            if affiliation.is_signer and affiliation.confirmed_via == Via.IDENTITY_PROVIDER:
                continue  # already so, by the same way: no new history row at every log-in
            confirmed.append(
                affiliation_confirm(
                    affiliation=affiliation,
                    by=user,
                    capacity=Capacity.SIGNER,
                    via=Via.IDENTITY_PROVIDER,
                )
            )
            if created:
                role_grant(user=user, community=community, role=Role.APPLICANT)
                rules.parties_changed(user=user)  # working for a party may make them one
        logger.info(
            "user %s confirmed as signer for organisation %s by %s (%s)",
            user.pk,
            organisation.pk,
            provider,
            acr,
        )
    return confirmed
