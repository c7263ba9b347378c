"""What waits for people in the payment stage (registered with ``tilskot.todo``): finance's
invoices and bookings, the secretariat's reallocations, the recipient's acceptance and
repayments."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from soknad.models import Invitation
from tilskot.money import nok_text
from tilskot.roles import Role
from tilskot.todo import Todo

from .models import Grant, Payment, Reallocation, RepaymentClaim


def grant_url(community, grant_id: int) -> str:
    """The grant's page, from the community at hand (no joins up to it to find its slug)."""
    return reverse("utbetaling:grant", kwargs={"community": community.slug, "grant": grant_id})


def recipient_of(user) -> Q:
    """Grants whose recipient ``user`` is: the responsible applicant or an accepted
    co-applicant (a subquery, not a join: no duplicate rows, no DISTINCT)."""
    return Q(application__owner=user) | Q(
        application__in=Invitation.objects.filter(accepted_by=user).values("application")
    )


def finance_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """Each invoice or booking to approve (or return), then to mark paid."""
    if Role.FINANCE not in roles:
        return []
    payments = (
        Payment.objects.filter(status__in=[Payment.Status.REGISTERED, Payment.Status.APPROVED])
        .select_related("grant__application")
        .only(
            "number",
            "kind",
            "status",
            "amount",
            "registered_at",
            "decided_at",
            "grant__application__title",
        )
        .order_by("pk")
    )
    actions = {
        (Payment.Kind.INVOICE, Payment.Status.REGISTERED): _(
            "Approve or return invoice %(number)s"
        ),
        (Payment.Kind.INTERNAL, Payment.Status.REGISTERED): _(
            "Approve or return booking %(number)s"
        ),
        (Payment.Kind.INVOICE, Payment.Status.APPROVED): _("Mark invoice %(number)s as paid"),
        (Payment.Kind.INTERNAL, Payment.Status.APPROVED): _("Mark booking %(number)s as paid"),
    }
    return [
        Todo(
            role=Role.FINANCE,
            action=actions[payment.kind, payment.status] % {"number": payment.number},
            subject=f"{payment.grant.application} ({nok_text(payment.amount)})",
            url=grant_url(community, payment.grant_id),
            since=payment.decided_at or payment.registered_at,
        )
        for payment in payments
    ]


def reallocation_todos(*, user, community, roles, now) -> Iterable[Todo]:
    if Role.SECRETARIAT not in roles:
        return []
    asked = (
        Reallocation.objects.filter(status=Reallocation.Status.REQUESTED)
        .select_related("grant__application")
        .only("requested_at", "grant__application__title")
        .order_by("pk")
    )
    return [
        Todo(
            role=Role.SECRETARIAT,
            action=_("Decide the reallocation"),
            subject=str(reallocation.grant.application),
            url=grant_url(community, reallocation.grant_id),
            since=reallocation.requested_at,
        )
        for reallocation in asked
    ]


def recipient_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """A granted application's recipients accept the conditions before anything is paid, and
    repay what a claim asks."""
    if Role.APPLICANT not in roles:
        return []

    unaccepted = (
        Grant.objects.filter(recipient_of(user), status=Grant.Status.OPEN, accepted_at__isnull=True)
        .select_related("application")
        .only("opened_at", "application__title")
        .order_by("pk")
    )
    found = [
        Todo(
            role=Role.APPLICANT,
            action=_("Accept the conditions of the grant"),
            subject=str(grant.application),
            url=grant_url(community, grant.pk),
            since=grant.opened_at,
        )
        for grant in unaccepted
    ]
    claims = (
        RepaymentClaim.objects.filter(
            settled_on__isnull=True,
            grant__in=Grant.objects.filter(recipient_of(user)).values("pk"),
        )
        .select_related("grant__application")
        .only("amount", "raised_at", "due_date", "grant__application__title")
        .order_by("pk")
    )
    found.extend(
        Todo(
            role=Role.APPLICANT,
            action=_("Repay %(amount)s") % {"amount": nok_text(claim.amount)},
            subject=str(claim.grant.application),
            url=grant_url(community, claim.grant_id),
            since=claim.raised_at,
            deadline=claim.due_date,
        )
        for claim in claims
    )
    return found
