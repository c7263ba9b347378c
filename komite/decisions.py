"""The decision: each decision body of the community records, per application, granted
(amount, period, conditions) or not (reasons), with the meeting, case reference and date.

How many bodies decide, and in which order, is community data (``Community.decision_bodies``):
Bergen's SSU decides alone; in Nord the community's SSU prioritises and Helse Nord's
coordination committee decides. Stage 1 starts from the committee's sent recommendation, each
later stage from the recorded stage before it, and the last stage is the final decision: it
decides the applications and opens a grant (``utbetaling``) for each one granted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Subquery, Sum
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from soknad.models import Application
from soknad.services import application_decide
from tilskot.models import Round, User
from tilskot.money import nok_text

from . import rules
from .models import Decision, DecisionItem, Recommendation
from .selectors import requested_amount
from .services import decision_awaited


@dataclass
class Proposal:
    """What a stage starts from for one application: the recommendation or the stage before."""

    application: Application
    requested: Decimal
    order: int
    granted: bool
    amount: Decimal | None
    period_start: dt.date | None
    period_end: dt.date | None
    conditions: str
    reason: str


def stages(round_: Round) -> list[tuple[int, str]]:
    return list(enumerate(round_.scheme.community.decision_bodies, start=1))


def decisions_of(round_: Round) -> dict[int, Decision]:
    return {d.stage: d for d in Decision.objects.filter(round=round_)}


# Later stages act on a round's final decision (the payment stage opens a grant for each
# granted application): each registers ``handler(items=[DecisionItem, ...])``, called inside
# the decision's transaction, so this stage imports none of them.
FINAL_DECISION_HANDLERS: list[Callable[..., None]] = []


def register_final_decision(handler: Callable[..., None]):
    if handler not in FINAL_DECISION_HANDLERS:
        FINAL_DECISION_HANDLERS.append(handler)
    return handler


def final_decision(round_: Round) -> Decision | None:
    """The round's final decision, once recorded."""
    return Decision.objects.filter(
        round=round_,
        stage=len(round_.scheme.community.decision_bodies),
        status=Decision.Status.RECORDED,
    ).first()


def party_message(applications: list[Application], body: str) -> str:
    return _(
        "You are a party of %(titles)s, so you take no part in this decision (the Public "
        "Administration Act, § 6). A member of %(body)s who is not a party, or the secretariat "
        "writing up the minutes, records it."
    ) % {"titles": ", ".join(f"“{a}”" for a in applications), "body": body}


def proposals(round_: Round, stage: int) -> list[Proposal] | None:
    """What the body of ``stage`` decides on, or None while it has nothing to decide on yet:
    the committee's sent recommendation for stage 1, the recorded stage before for the rest."""
    if stage == 1:
        recommendation = Recommendation.objects.filter(
            round=round_, status=Recommendation.Status.SENT
        ).first()
        if recommendation is None:
            return None
        rows = [
            (r.application_id, r.order, r.grant, r.amount, None, None, r.conditions, r.reason)
            for r in recommendation.items.all()
        ]
    else:
        before = Decision.objects.filter(
            round=round_, stage=stage - 1, status=Decision.Status.RECORDED
        ).first()
        if before is None:
            return None
        rows = [
            (
                i.application_id,
                i.order,
                i.granted,
                i.amount,
                i.period_start,
                i.period_end,
                i.conditions,
                i.reason,
            )
            for i in before.items.all()
        ]
    applications = Application.objects.annotate(requested=Subquery(requested_amount())).in_bulk(
        [row[0] for row in rows]
    )
    result = []
    for pk, order, granted, amount, start, end, conditions, reason in rows:
        application = applications[pk]
        if application.status == Application.Status.WITHDRAWN:
            continue  # withdrawn by the applicant since: nothing left to decide (see withdrawn)
        result.append(
            Proposal(
                application=application,
                requested=application.requested or Decimal(0),
                order=order,
                granted=granted,
                amount=amount,
                period_start=start or application.period_start,
                period_end=end or application.period_end,
                conditions=conditions,
                reason=reason,
            )
        )
    return result


def withdrawn(round_: Round) -> list[Application]:
    """The recommended applications that their applicants have withdrawn since: no body
    decides on them."""
    return list(
        Application.objects.filter(
            recommendation_items__recommendation__round=round_,
            recommendation_items__recommendation__status=Recommendation.Status.SENT,
            status=Application.Status.WITHDRAWN,
        ).order_by("title")
    )


def money_left(round_: Round) -> Decimal | None:
    """The round's money not granted in its final decision nor passed to an extra round; None
    where the round has no budget or no final decision yet."""
    decision = final_decision(round_)
    if round_.budget is None or decision is None:
        return None
    granted = decision.items.filter(granted=True).aggregate(total=Sum("amount"))["total"] or 0
    passed_on = round_.extra_rounds.aggregate(total=Sum("budget"))["total"] or 0
    return round_.budget - granted - passed_on


@transaction.atomic
def decision_save(
    *,
    round_: Round,
    stage: int,
    by: User,
    meeting: str,
    case_reference: str,
    decided_on: dt.date | None,
    items: list[dict],
    record: bool = False,
) -> Decision:
    """Save the body's decision for ``stage``; with ``record`` lock it. Recording the last
    stage decides the applications (their case logs say so) and lets the letters be issued.

    ``items``: one dict per application with ``application`` (id), ``order``, ``granted``,
    ``amount``, ``period_start``, ``period_end``, ``conditions`` and ``reason``. A grant needs
    an amount above 0 and no more than asked for, and its period; a rejection, or a grant of
    less than was asked for, needs its reasons (forvaltningsloven §§ 24–25); the total granted
    cannot exceed the money available.
    """
    if not rules.can_record_decision(by, round_):
        raise PermissionDenied
    if waiting := rules.waiting_for_deadline(round_):
        raise ValidationError(waiting)
    bodies = round_.scheme.community.decision_bodies
    if not 1 <= stage <= len(bodies):
        raise ValidationError(_("Unknown stage of the decision."))
    basis = proposals(round_, stage)
    if basis is None:
        raise ValidationError(
            _("The committee's recommendation has not been sent yet.")
            if stage == 1
            else _("%(body)s has not recorded its decision yet.") % {"body": bodies[stage - 2]}
        )
    own = rules.parties_decided_by(by, round_, basis)
    if own:
        raise ValidationError(party_message(own, bodies[stage - 1]))
    decision, _created = Decision.objects.select_for_update().get_or_create(
        round=round_, stage=stage, defaults={"body": bodies[stage - 1]}
    )
    if decision.is_recorded:
        raise ValidationError(_("The decision is recorded and can no longer change."))
    by_id = {p.application.pk: p for p in basis}
    if {i["application"] for i in items} != set(by_id):
        raise ValidationError(_("Decide on every application of the recommendation."))
    errors = []
    total = Decimal(0)
    for item in items:
        proposal = by_id[item["application"]]
        title = str(proposal.application)
        reason = (item.get("reason") or "").strip()
        if item["granted"]:
            amount = item.get("amount")
            if amount is None or amount <= 0:
                errors.append(_("Give the amount granted to “%(title)s”.") % {"title": title})
                continue
            if amount > proposal.requested:
                errors.append(
                    _("“%(title)s” asks for %(requested)s; grant no more than that.")
                    % {"title": title, "requested": nok_text(proposal.requested)}
                )
            elif amount < proposal.requested and not reason:
                errors.append(
                    _(
                        "“%(title)s” is granted less than it asks for: give the reasons "
                        "(forvaltningsloven § 25)."
                    )
                    % {"title": title}
                )
            start, end = item.get("period_start"), item.get("period_end")
            if start is None or end is None:
                errors.append(_("Give the period of the grant to “%(title)s”.") % {"title": title})
            elif end < start:
                errors.append(
                    _("The period of “%(title)s” ends before it starts.") % {"title": title}
                )
            total += amount
        elif not reason:
            errors.append(
                _("Give the reasons for not granting “%(title)s” (forvaltningsloven § 25).")
                % {"title": title}
            )
    if round_.budget is not None and total > round_.budget:
        errors.append(
            _(
                "The total granted (%(total)s) is more than the money available (%(budget)s). "
                "Lower the amounts or grant fewer applications."
            )
            % {"total": nok_text(total), "budget": nok_text(round_.budget)}
        )
    if record:
        if not meeting.strip():
            errors.append(_("Name the meeting where the decision was made."))
        if not case_reference.strip():
            errors.append(_("Give the case reference."))
        if decided_on is None:
            errors.append(_("Give the date of the decision."))
        elif decided_on > timezone.localdate():
            errors.append(_("The date of the decision cannot be in the future."))
    if errors:
        raise ValidationError(errors)
    decision.meeting = meeting.strip()
    decision.case_reference = case_reference.strip()
    decision.decided_on = decided_on
    decision.items.all().delete()
    DecisionItem.objects.bulk_create(
        DecisionItem(
            decision=decision,
            application_id=item["application"],
            order=item["order"],
            granted=item["granted"],
            amount=item["amount"] if item["granted"] else None,
            period_start=item.get("period_start") if item["granted"] else None,
            period_end=item.get("period_end") if item["granted"] else None,
            conditions=(item.get("conditions") or "").strip() if item["granted"] else "",
            reason=(item.get("reason") or "").strip(),
        )
        for item in items
    )
    if record:
        decision.status = Decision.Status.RECORDED
        decision.recorded_at = timezone.now()
        decision.recorded_by = by
    decision.save()
    if record and not decision.is_final:  # the next body decides from this one
        decision_awaited(round_=round_, stage=stage + 1, count=len(items), by=by)
    if record and decision.is_final:
        with translation.override(round_.scheme.community.language):  # the case log's language
            # "Demomøte 1, 2. november 2026": a full date after a comma, never "Demomøte 1 02.11…"
            when = date_format(decided_on, "DATE_FORMAT")
        items = list(
            decision.items.select_related(
                "application__round__scheme__community", "application__responsible_organisation"
            )
        )
        for item in items:
            application_decide(
                application=item.application,
                granted=item.granted,
                by=by,
                message=", ".join(
                    part
                    for part in (decision.body, decision.meeting, when, decision.case_reference)
                    if part
                ),
            )
        for handler in FINAL_DECISION_HANDLERS:  # the payment stage opens the grants
            handler(items=items)
    return decision


@transaction.atomic
def extra_round_open(
    *, round_: Round, by: User, name: str, opens_at: dt.datetime, closes_at: dt.datetime
) -> Round:
    """Open an extra round (Bergen's autumn round) that spends the money left after the
    round's final decision."""
    if not rules.can_manage_committee(by, round_):
        raise PermissionDenied
    round_ = Round.objects.select_for_update().get(pk=round_.pk)
    left = money_left(round_)
    if left is None or left <= 0:
        raise ValidationError(_("There is no money left from this round."))
    if closes_at <= opens_at:
        raise ValidationError(_("The deadline must come after the opening."))
    if closes_at <= timezone.now():
        raise ValidationError(_("The deadline must be in the future."))
    extra = Round(
        scheme=round_.scheme,
        name=name.strip(),
        description=_("Extra round with the money left from %(round)s.") % {"round": round_},
        opens_at=opens_at,
        closes_at=closes_at,
        budget=left,
        max_amount=round_.max_amount,
        money_from=round_,
    )
    extra.full_clean()
    extra._change_reason = f"extra round from {round_.pk} by {by.pk}"
    extra.save()
    return extra
