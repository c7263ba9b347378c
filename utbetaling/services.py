"""Writes of the payment stage: opening grants, acceptance, invoices and internal bookings,
reallocations and repayment claims. Keyword-only, atomic, checked here.

No sequence of payments can pay out more than was granted: every write that changes what is
claimed or approved locks the grant's row first (``_locked``), so two approvals at the same
moment are made one after the other, and the second sees the first.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from soknad.services import applicant_users
from soknad.uploads import PDF, validate_upload
from tilskot.messaging import notify, role_holders
from tilskot.models import Notification, User
from tilskot.money import nok_text
from tilskot.roles import Role

from . import rules
from .models import Grant, GrantBudgetLine, Payment, Reallocation, ReallocationLine, RepaymentClaim

CENT = Decimal("0.01")
CLAIMED = (Payment.Status.REGISTERED, Payment.Status.APPROVED, Payment.Status.PAID)
APPROVED = (Payment.Status.APPROVED, Payment.Status.PAID)


def _locked(grant: Grant) -> Grant:
    return (
        Grant.objects.select_for_update(of=("self",))
        .select_related("application__round__scheme__community")
        .get(pk=grant.pk)
    )


def _sum(grant: Grant, statuses) -> Decimal:
    return grant.payments.filter(status__in=statuses).aggregate(total=Sum("amount"))[
        "total"
    ] or Decimal(0)


def _notify(
    grant: Grant, *, kind: str, key: str, template: str, recipients=None, **context
) -> None:
    """Tell the grant's recipients (or ``recipients``) about the grant, linking its page."""
    notify(
        community=grant.application.community,
        kind=kind,
        key=key,
        recipients=applicant_users(grant.application) if recipients is None else recipients,
        template=f"utbetaling/emails/{template}",
        context={"grant": grant, "application": grant.application, **context},
        url=grant.get_absolute_url(),
    )


# --- opening and acceptance -------------------------------------------------------------------


@transaction.atomic
def grants_open(*, items) -> list[Grant]:
    """Open a grant for each granted item of a final decision, with its payment route and a
    budget scaled from the application's to the amount granted. Opening twice opens nothing."""
    opened = []
    for item in items:
        if not item.granted or Grant.objects.filter(application=item.application).exists():
            continue
        application = item.application
        route = rules.payment_route(application)
        grant = Grant.objects.create(
            application=application,
            decision_item=item,
            amount=item.amount,
            period_start=item.period_start,
            period_end=item.period_end,
            internal=route.internal,
            project_number=route.project_number,
        )
        lines = list(application.budget_lines.filter(requested_amount__gt=0).order_by("year", "pk"))
        requested = sum((line.requested_amount for line in lines), start=Decimal(0))
        if not requested:
            GrantBudgetLine.objects.create(
                grant=grant,
                year=item.period_start.year,
                organisation=application.responsible_organisation,
                description=application.title,
                amount=item.amount,
            )
        else:
            left = item.amount
            for order, line in enumerate(lines):
                share = (line.requested_amount * item.amount / requested).quantize(
                    CENT, ROUND_HALF_UP
                )
                amount = left if order == len(lines) - 1 else min(share, left)
                left -= amount
                GrantBudgetLine.objects.create(
                    grant=grant,
                    order=order,
                    year=line.year,
                    organisation=line.organisation,
                    description=line.description,
                    amount=amount,
                )
        opened.append(grant)
    return opened


@transaction.atomic
def grant_accept(*, grant: Grant, by: User, accepted_as: str, bank_account: str = "") -> Grant:
    """The recipient accepts the conditions, as whom, and (unless the costs are booked
    internally) confirms the account the money is paid to. Nothing is paid before. Accepting
    binds the responsible organisation: only whoever may sign for it accepts."""
    grant = _locked(grant)
    if not rules.is_recipient(by, grant):
        raise PermissionDenied
    if grant.accepted:
        raise ValidationError(_("The conditions have already been accepted."))
    if refusal := rules.signing_refusal(by, grant):  # accepting binds the organisation
        raise ValidationError(refusal)
    errors = []
    if not accepted_as.strip():
        errors.append(_("Say in which role you accept, e.g. “head of unit”."))
    account = bank_account.replace(" ", "").replace(".", "")
    if not grant.internal:
        if not account:
            errors.append(_("Give the account number the grant is paid to."))
        else:
            from tilskot.validators import validate_account_number

            try:
                validate_account_number(account)
            except ValidationError as error:
                errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    grant.accepted_at = timezone.now()
    grant.accepted_by = by
    grant.accepted_as = accepted_as.strip()
    grant.bank_account = "" if grant.internal else account
    grant._change_reason = "conditions accepted"
    grant.save()
    return grant


@transaction.atomic
def grant_close(*, grant: Grant, by: User) -> Grant:
    """Close the grant (the final report is approved); no more payments."""
    grant = _locked(grant)
    grant.status = Grant.Status.CLOSED
    grant.closed_at = timezone.now()
    grant._change_reason = f"closed by {by.pk}"
    grant.save()
    return grant


# --- invoices and internal bookings ------------------------------------------------------------


@transaction.atomic
def payment_register(
    *,
    grant: Grant,
    by: User,
    number: str,
    date: dt.date,
    amount: Decimal,
    org_number: str = "",
    organisation_name: str = "",
    marking: str = "",
    file=None,
) -> Payment:
    """Register an invoice (the recipient, or the secretariat for them) or, for a grant booked
    internally, an internal booking. An invoice must be marked with the project number and
    come as a PDF; nothing may take the claims beyond the amount granted."""
    grant = _locked(grant)
    if not rules.can_register_payment(by, grant):
        raise PermissionDenied
    # A recipient's invoice binds their organisation; the secretariat and finance register in
    # their own office.
    if not (rules.is_secretariat(by, grant) or rules.is_finance(by, grant)) and (
        refusal := rules.signing_refusal(by, grant)
    ):
        raise ValidationError(refusal)
    if grant.status != Grant.Status.OPEN:
        raise ValidationError(_("The grant is closed: nothing more is paid."))
    if not grant.accepted:
        raise ValidationError(
            _("The conditions must be accepted before anything is paid.")
            if grant.internal
            else _(
                "The conditions must be accepted, and the account number confirmed, before "
                "anything is paid."
            )
        )
    errors = []
    if amount is None or amount <= 0:
        errors.append(_("The amount must be more than 0."))
    if date > timezone.localdate():
        errors.append(_("The date cannot be in the future."))
    kind = Payment.Kind.INTERNAL if grant.internal else Payment.Kind.INVOICE
    if kind == Payment.Kind.INVOICE:
        if not rules.marking_ok(marking, grant.project_number):
            errors.append(
                _(
                    "The invoice must be marked with project number %(number)s. Ask the "
                    "invoicing party for an invoice with the marking."
                )
                % {"number": grant.project_number}
            )
        if not org_number:
            errors.append(_("Give the organisation number of the invoicing party."))
        elif (
            grant.payments.filter(number__iexact=number.strip(), org_number=org_number)
            .exclude(status=Payment.Status.RETURNED)
            .exists()
        ):  # the grant's row is locked: two at once are checked one after the other
            errors.append(
                _(
                    "Invoice %(number)s from %(org_number)s is already registered on this grant. "
                    "An invoice is registered once; a returned one may be registered again."
                )
                % {"number": number.strip(), "org_number": org_number}
            )
        if file is None:
            errors.append(_("Attach the invoice as PDF."))
        else:
            try:
                if validate_upload(file) != PDF:
                    errors.append(_("The invoice must be a PDF file."))
            except ValidationError as error:
                errors.extend(error.messages)
    if amount is not None and amount > 0:
        claimed = _sum(grant, CLAIMED)
        if claimed + amount > grant.amount:
            errors.append(
                _(
                    "With this, %(total)s would be claimed of the %(granted)s granted. At most "
                    "%(left)s is left."
                )
                % {
                    "total": nok_text(claimed + amount),
                    "granted": nok_text(grant.amount),
                    "left": nok_text(grant.amount - claimed),
                }
            )
    if errors:
        raise ValidationError(errors)
    payment = Payment(
        grant=grant,
        kind=kind,
        number=number.strip(),
        date=date,
        amount=amount,
        org_number=org_number if kind == Payment.Kind.INVOICE else "",
        organisation_name=organisation_name.strip(),
        marking=marking.strip() if kind == Payment.Kind.INVOICE else grant.project_number,
        registered_by=by,
    )
    if file is not None and kind == Payment.Kind.INVOICE:
        payment.file.save(f"faktura-{number.strip() or 'x'}.pdf", file, save=False)
    payment.full_clean(exclude=["file"])
    payment.save()
    _notify(  # finance approves it
        grant,
        kind=Notification.Kind.PAYMENT_REGISTERED,
        key=f"payment-registered:{payment.pk}",
        template="payment_registered",
        recipients=role_holders(grant.application.community, Role.FINANCE, but=by),
        payment=payment,
    )
    return payment


def _require_finance(payment: Payment, by: User) -> None:
    if not rules.is_finance(by, payment.grant):
        raise PermissionDenied


def _locked_payment(payment: Payment) -> tuple[Grant, Payment]:
    grant = _locked(payment.grant)
    return grant, Payment.objects.select_for_update().get(pk=payment.pk)


@transaction.atomic
def payment_approve(*, payment: Payment, by: User) -> Payment:
    """Finance approves a registered invoice or booking, if the approved total stays within
    the amount granted (checked under the grant's lock)."""
    grant, payment = _locked_payment(payment)
    _require_finance(payment, by)
    if payment.status != Payment.Status.REGISTERED:
        raise ValidationError(_("Only a registered invoice can be approved."))
    approved = _sum(grant, APPROVED)
    if approved + payment.amount > grant.amount:
        raise ValidationError(
            _(
                "Approving this would approve %(total)s of the %(granted)s granted. Return it, "
                "or ask the recipient for a smaller invoice."
            )
            % {"total": nok_text(approved + payment.amount), "granted": nok_text(grant.amount)}
        )
    payment.status = Payment.Status.APPROVED
    payment.decided_by = by
    payment.decided_at = timezone.now()
    payment.save()
    return payment


@transaction.atomic
def payment_return(*, payment: Payment, by: User, reason: str) -> Payment:
    grant, payment = _locked_payment(payment)
    _require_finance(payment, by)
    if payment.status != Payment.Status.REGISTERED:
        raise ValidationError(_("Only a registered invoice can be returned."))
    if not reason.strip():
        raise ValidationError(_("Say why the invoice is returned."))
    payment.status = Payment.Status.RETURNED
    payment.return_reason = reason.strip()
    payment.decided_by = by
    payment.decided_at = timezone.now()
    payment.save()
    _notify(
        grant,
        kind=Notification.Kind.INVOICE_RETURNED,
        key=f"invoice-returned:{payment.pk}",
        template="invoice_returned",
        payment=payment,
    )
    return payment


@transaction.atomic
def payment_mark_paid(*, payment: Payment, by: User, paid_on: dt.date) -> Payment:
    _grant, payment = _locked_payment(payment)
    _require_finance(payment, by)
    if payment.status != Payment.Status.APPROVED:
        raise ValidationError(_("Only an approved invoice can be marked as paid."))
    if paid_on is None or paid_on > timezone.localdate():
        raise ValidationError(_("Give the date it was paid; it cannot be in the future."))
    payment.status = Payment.Status.PAID
    payment.paid_on = paid_on
    payment.save()
    return payment


# --- reallocation --------------------------------------------------------------------------------


@transaction.atomic
def reallocation_request(
    *,
    grant: Grant,
    by: User,
    reason: str,
    amounts: dict[int, Decimal],
    period_end: dt.date | None = None,
) -> Reallocation:
    """The recipient asks to move money between the budget's lines (``amounts``: line id →
    new amount; the total stays the amount granted) or to end the period on another date.
    Nothing changes until the secretariat approves."""
    grant = _locked(grant)
    if not rules.is_recipient(by, grant):
        raise PermissionDenied
    if grant.status != Grant.Status.OPEN:
        raise ValidationError(_("The grant is closed."))
    lines = {line.pk: line for line in grant.budget_lines.all()}
    changed = {pk: a for pk, a in amounts.items() if pk in lines and a != lines[pk].amount}
    errors = []
    if not reason.strip():
        errors.append(_("Give the reason for the change."))
    if any(pk not in lines for pk in amounts):
        raise ValidationError(_("Unknown budget line."))
    if any(a is None or a < 0 for a in amounts.values()):
        errors.append(_("An amount cannot be negative."))
    elif sum((amounts.get(pk, line.amount) for pk, line in lines.items()), Decimal(0)) != (
        grant.amount
    ):
        errors.append(
            _("The lines must add up to the amount granted, %(granted)s.")
            % {"granted": nok_text(grant.amount)}
        )
    if period_end is not None and period_end == grant.period_end:
        period_end = None
    if period_end is not None and period_end < grant.period_start:
        errors.append(_("The period cannot end before it starts."))
    if not changed and period_end is None:
        errors.append(_("Change at least one amount or the end of the period."))
    if grant.reallocations.filter(status=Reallocation.Status.REQUESTED).exists():
        errors.append(_("A request is already waiting for the secretariat."))
    if errors:
        raise ValidationError(errors)
    reallocation = Reallocation.objects.create(
        grant=grant, reason=reason.strip(), period_end=period_end, requested_by=by
    )
    ReallocationLine.objects.bulk_create(
        ReallocationLine(reallocation=reallocation, budget_line_id=pk, amount=amount)
        for pk, amount in changed.items()
    )
    _notify(  # the secretariat decides it
        grant,
        kind=Notification.Kind.REALLOCATION_REQUESTED,
        key=f"reallocation-requested:{reallocation.pk}",
        template="reallocation_requested",
        recipients=role_holders(grant.application.community, Role.SECRETARIAT, but=by),
        reallocation=reallocation,
    )
    return reallocation


@transaction.atomic
def reallocation_decide(
    *, reallocation: Reallocation, by: User, approve: bool, comment: str = ""
) -> Reallocation:
    grant = _locked(reallocation.grant)
    reallocation = Reallocation.objects.select_for_update().get(pk=reallocation.pk)
    if not rules.is_secretariat(by, grant):
        raise PermissionDenied
    if reallocation.status != Reallocation.Status.REQUESTED:
        raise ValidationError(_("The request has already been decided."))
    if not approve and not comment.strip():
        raise ValidationError(_("Say why the request is rejected."))
    if approve:
        for line in reallocation.lines.select_related("budget_line"):
            budget_line = line.budget_line
            budget_line.amount = line.amount
            budget_line._change_reason = f"reallocation {reallocation.pk}"
            budget_line.save()
        if reallocation.period_end is not None:
            grant.period_end = reallocation.period_end
            grant._change_reason = f"reallocation {reallocation.pk}"
            grant.save()
    reallocation.status = Reallocation.Status.APPROVED if approve else Reallocation.Status.REJECTED
    reallocation.decided_by = by
    reallocation.decided_at = timezone.now()
    reallocation.comment = comment.strip()
    reallocation.save()
    _notify(
        grant,
        kind=Notification.Kind.REALLOCATION_DECIDED,
        key=f"reallocation:{reallocation.pk}",
        template="reallocation_decided",
        reallocation=reallocation,
    )
    return reallocation


# --- repayment -----------------------------------------------------------------------------------


@transaction.atomic
def repayment_claim(
    *, grant: Grant, by: User, amount: Decimal, reason: str, due_date: dt.date
) -> RepaymentClaim:
    """The secretariat claims all or part of what was paid back, with the reason and a due
    date; the recipient is told, with the right to appeal (it is a decision of its own)."""
    grant = _locked(grant)
    if not rules.is_secretariat(by, grant):
        raise PermissionDenied
    paid = _sum(grant, (Payment.Status.PAID,))
    claimed = grant.repayment_claims.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    errors = []
    if amount is None or amount <= 0:
        errors.append(_("The amount must be more than 0."))
    elif claimed + amount > paid:
        errors.append(
            _("Only what was paid can be claimed back: %(paid)s paid, %(claimed)s claimed.")
            % {"paid": nok_text(paid), "claimed": nok_text(claimed)}
        )
    if not reason.strip():
        errors.append(_("Give the reason for the claim."))
    if due_date is None or due_date <= timezone.localdate():
        errors.append(_("The due date must be in the future."))
    if errors:
        raise ValidationError(errors)
    claim = RepaymentClaim.objects.create(
        grant=grant, amount=amount, reason=reason.strip(), due_date=due_date, raised_by=by
    )
    _notify(
        grant,
        kind=Notification.Kind.REPAYMENT_CLAIM,
        key=f"repayment:{claim.pk}",
        template="repayment_claim",
        claim=claim,
    )
    return claim


@transaction.atomic
def repayment_settle(*, claim: RepaymentClaim, by: User, settled_on: dt.date) -> RepaymentClaim:
    claim = RepaymentClaim.objects.select_for_update().get(pk=claim.pk)
    if not (rules.is_secretariat(by, claim.grant) or rules.is_finance(by, claim.grant)):
        raise PermissionDenied
    if claim.settled_on is not None:
        raise ValidationError(_("The claim is already settled."))
    if settled_on is None or settled_on > timezone.localdate():
        raise ValidationError(_("Give the date it was settled; it cannot be in the future."))
    claim.settled_on = settled_on
    claim.settled_by = by
    claim.save()
    return claim
