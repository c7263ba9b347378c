"""Writes of the committee's work: appointing members, opening a round for review, and the
members' declarations of conflict of interest. Keyword-only, atomic, checked here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from soknad.models import Application
from soknad.rules import AFFILIATED_CACHE, party_reason
from soknad.services import case_note
from tilskot.messaging import notify, role_holders
from tilskot.models import CommitteeSeat, Criterion, Notification, Organisation, Round, User
from tilskot.money import nok_text
from tilskot.roles import Role
from tilskot.services import role_grant, role_revoke

from . import rules
from .models import (
    Assessment,
    ConflictDeclaration,
    Membership,
    Recommendation,
    RecommendationItem,
    RoundReview,
    Score,
)
from .selectors import requested_amount


def _require_secretariat(user: User, round_: Round) -> None:
    if not rules.can_manage_committee(user, round_):
        raise PermissionDenied


def _review_url(round_: Round) -> str:
    return reverse(
        "komite:review", kwargs={"community": round_.scheme.community.slug, "round": round_.pk}
    )


@transaction.atomic
def member_appoint(
    *,
    round_: Round,
    user: User,
    by: User,
    seat: CommitteeSeat | None = None,
    employer: Organisation | None = None,
) -> Membership:
    """Put ``user`` on the round's committee; they become a committee member in the community.
    A seat holds as many members as its count (community data): one more is refused, naming
    the seat."""
    _require_secretariat(by, round_)
    if seat is not None:
        # The seat's row locked: two people appointing at once cannot both take its last place.
        seat = CommitteeSeat.objects.select_for_update().get(pk=seat.pk)
        taken = Membership.objects.filter(round=round_, seat=seat).count()
        if taken >= seat.count:
            raise ValidationError(
                {
                    "seat": ngettext(
                        "The seat “%(seat)s” is for %(count)d member, and it is taken. Remove "
                        "its member first, or choose another seat.",
                        "The seat “%(seat)s” is for %(count)d members, and all are taken. "
                        "Remove one of them first, or choose another seat.",
                        seat.count,
                    )
                    % {"seat": seat.title, "count": seat.count}
                }
            )
    try:
        with transaction.atomic():
            member = Membership.objects.create(
                round=round_, user=user, seat=seat, employer=employer, appointed_by=by
            )
    except IntegrityError:
        raise ValidationError(
            _("%(person)s is already on the committee for this round.") % {"person": user}
        ) from None
    role_grant(user=user, community=round_.scheme.community, role=Role.COMMITTEE, by=by)
    user.__dict__.pop(rules.MEMBERSHIPS, None)
    notify(
        community=round_.scheme.community,
        kind=Notification.Kind.APPOINTED,
        key=f"appointed:{member.pk}",
        recipients=[user],
        template="komite/emails/appointed",
        context={
            "round": round_,
            "member": member,
            "review": RoundReview.objects.filter(round=round_).first(),
        },
        url=_review_url(round_),
    )
    return member


@transaction.atomic
def member_remove(*, member: Membership, by: User) -> None:
    round_ = member.round
    _require_secretariat(by, round_)
    user = member.user
    if member.declarations.exists():
        raise ValidationError(
            _(
                "%(person)s has declared on applications; the declarations are part of the "
                "cases and the member cannot be removed."
            )
            % {"person": user}
        )
    member.delete()
    user.__dict__.pop(rules.MEMBERSHIPS, None)
    if not Membership.objects.filter(user=user).exists():
        role_revoke(user=user, community=round_.scheme.community, role=Role.COMMITTEE, by=by)


@transaction.atomic
def review_open(*, round_: Round, scoring_deadline: dt.datetime, by: User) -> RoundReview:
    """Set the scoring deadline and open the round's complete applications for review."""
    _require_secretariat(by, round_)
    if scoring_deadline <= timezone.now():
        raise ValidationError(_("The scoring deadline must be in the future."))
    review, _created = RoundReview.objects.update_or_create(
        round=round_, defaults={"scoring_deadline": scoring_deadline}
    )
    if review.opened_at is None:
        review.opened_at = timezone.now()
        review.opened_by = by
        review.save(update_fields=["opened_at", "opened_by"])
        notify(  # once, when it opens; a member appointed later is told on appointment
            community=round_.scheme.community,
            kind=Notification.Kind.REVIEW_OPENED,
            key=f"review-opened:{review.pk}",
            recipients=[
                m.user for m in Membership.objects.filter(round=round_).select_related("user")
            ],
            template="komite/emails/review_opened",
            context={
                "round": round_,
                "review": review,
                "count": Application.objects.filter(
                    round=round_, status=Application.Status.COMPLETE
                ).count(),
            },
            url=_review_url(round_),
        )
    return review


@transaction.atomic
def conflict_declare(
    *, application: Application, user: User, has_conflict: bool, reason: str = ""
) -> ConflictDeclaration:
    """Record a member's declaration for ``application``; it stands once made.

    A conflict needs its reason. A member employed by a party is flagged and must explain why
    they are nevertheless not disqualified before declaring no conflict.
    """
    member = rules.member_of(user, application.round)
    if member is None or application.status != Application.Status.COMPLETE:
        raise PermissionDenied
    if not rules.review_is_open(application.round):
        raise ValidationError(_("The round is not open for review yet."))
    party = party_reason(user, application)
    flagged = bool(party) or rules.employed_by_a_party(member, application)
    reason = reason.strip()
    if party:
        if not has_conflict:
            raise ValidationError(
                _(
                    "You are a party of this application (%(why)s), so you are disqualified "
                    "(the Public Administration Act, § 6). Declare the conflict of interest."
                )
                % {"why": party}
            )
        reason = reason or _("A party of the application (%(why)s).") % {"why": party}
    if has_conflict and not reason:
        raise ValidationError(_("Give the reason for the conflict of interest."))
    if flagged and not has_conflict and not reason:
        raise ValidationError(
            _(
                "You work for a party of this application. Explain why you are nevertheless not "
                "disqualified, or declare a conflict of interest."
            )
        )
    try:
        with transaction.atomic():
            return ConflictDeclaration.objects.create(
                application=application,
                member=member,
                has_conflict=has_conflict,
                reason=reason,
                flagged=flagged,
            )
    except IntegrityError:
        raise ValidationError(_("You have already declared for this application.")) from None


@transaction.atomic
def parties_disqualify(
    *, application: Application | None = None, user: User | None = None
) -> list[ConflictDeclaration]:
    """A member who has become a party of an application since declaring no conflict (a
    co-applicant who accepted, a new affiliation) is disqualified: the declaration becomes a
    conflict, their assessment is withdrawn from the overview, and the case log says so.
    Registered with ``soknad.rules.register_party_change``; rechecks the declarations of
    ``application``, of ``user``, or of that user on that application."""
    declarations = ConflictDeclaration.objects.filter(has_conflict=False).select_related(
        "member__user", "application__round__scheme__community"
    )
    if application is not None:
        declarations = declarations.filter(application=application)
    if user is not None:
        declarations = declarations.filter(member__user=user)
    changed = []
    for declared in declarations:
        person, case = declared.member.user, declared.application
        person.__dict__.pop(AFFILIATED_CACHE, None)
        with translation.override(case.community.language):  # the case's language
            why = party_reason(person, case)
            if not why:
                continue
            note = _(
                "%(person)s became a party of the application (%(why)s) and is disqualified "
                "as a member of the committee: the declaration of no conflict of interest is "
                "now a conflict, and their scores no longer count."
            ) % {"person": person, "why": why}
        declared.has_conflict = True
        declared.flagged = True
        declared.reason = "\n".join(filter(None, [declared.reason, note]))
        declared.save(update_fields=["has_conflict", "flagged", "reason"])
        Assessment.objects.filter(
            application=case, member=declared.member, withdrawn_at__isnull=True
        ).update(withdrawn_at=timezone.now())
        case_note(application=case, by=person, message=note)
        changed.append(declared)
    return changed


@transaction.atomic
def assessment_save(
    *,
    application: Application,
    user: User,
    scores: dict[int, tuple[int | None, bool | None, str]],
    overall: str = "",
    submit: bool = False,
) -> Assessment:
    """Save a member's scores for ``application`` (criterion id → score, met, comment).

    Scores must lie on the criterion's scale; a check criterion takes met or not met instead.
    Submitting needs every criterion answered, and counts the assessment in the dashboard.
    Changes are accepted until the round's scoring deadline.
    """
    if not rules.can_review(user, application):
        raise PermissionDenied
    if timezone.now() > application.round.review.scoring_deadline:
        raise ValidationError(_("The scoring deadline has passed."))
    member = rules.member_of(user, application.round)
    criteria = {c.pk: c for c in application.round.scheme.criteria.all()}
    errors = []
    for criterion_id, (value, _met, _comment) in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            raise ValidationError(_("Unknown criterion."))
        if value is not None and not criterion.score_min <= value <= criterion.score_max:
            errors.append(
                _("“%(criterion)s” is scored from %(min)s to %(max)s.")
                % {
                    "criterion": criterion.title,
                    "min": criterion.score_min,
                    "max": criterion.score_max,
                }
            )
    if submit:
        for criterion in criteria.values():
            value, met, _comment = scores.get(criterion.pk, (None, None, ""))
            answered = (
                met is not None if criterion.kind == Criterion.Kind.CHECK else (value is not None)
            )
            if not answered:
                errors.append(
                    _("Score “%(criterion)s” before you submit.") % {"criterion": criterion.title}
                )
    if errors:
        raise ValidationError(errors)
    assessment, _created = Assessment.objects.get_or_create(application=application, member=member)
    Score.objects.bulk_create(  # one upsert for all criteria (PostgreSQL and SQLite)
        [
            Score(assessment=assessment, criterion_id=pk, value=value, met=met, comment=comment)
            for pk, (value, met, comment) in scores.items()
        ],
        update_conflicts=True,
        unique_fields=["assessment", "criterion"],
        update_fields=["value", "met", "comment"],
    )
    assessment.overall = overall
    if submit and assessment.submitted_at is None:
        assessment.submitted_at = timezone.now()
    assessment.save()
    return assessment


@transaction.atomic
def recommendation_save(
    *, round_: Round, by: User, items: list[dict], send: bool = False
) -> Recommendation:
    """Save the recommendation for the round's complete applications, and with ``send`` lock
    it and pass it to the decision body.

    ``items``: one dict per application with ``application`` (id), ``order``, ``grant``,
    ``amount``, ``conditions`` and ``reason``. A grant needs an amount above 0 and no more than
    was asked for; a rejection needs its reason; the proposed total cannot exceed the money
    available in the round. It waits for the round's deadline; sending needs every
    application screened (none submitted or waiting for more information) and every complete
    one placed.
    """
    _require_secretariat(by, round_)
    if waiting := rules.waiting_for_deadline(round_):
        raise ValidationError(waiting)
    recommendation, _created = Recommendation.objects.select_for_update().get_or_create(
        round=round_
    )
    if recommendation.status == Recommendation.Status.SENT:
        raise ValidationError(_("The recommendation has been sent and can no longer change."))
    complete = {
        a.pk: a
        for a in Application.objects.filter(
            round=round_, status=Application.Status.COMPLETE
        ).annotate(requested=Subquery(requested_amount()))
    }
    errors = []
    total = Decimal(0)
    for item in items:
        application = complete.get(item["application"])
        if application is None:
            raise ValidationError(_("Only the round's complete applications can be recommended."))
        if item["grant"]:
            amount = item.get("amount")
            if amount is None or amount <= 0:
                errors.append(_("Propose an amount for “%(title)s”.") % {"title": application})
            elif amount > (application.requested or 0):
                errors.append(
                    _("“%(title)s” asks for %(requested)s; propose no more than that.")
                    % {"title": application, "requested": nok_text(application.requested or 0)}
                )
            else:
                total += amount
        elif not (item.get("reason") or "").strip():
            errors.append(_("Give the reason for rejecting “%(title)s”.") % {"title": application})
    if round_.budget is not None and total > round_.budget:
        errors.append(
            _(
                "The proposed total (%(total)s) is more than the money available "
                "(%(budget)s). Lower the amounts or recommend fewer applications."
            )
            % {"total": nok_text(total), "budget": nok_text(round_.budget)}
        )
    if send and {i["application"] for i in items} != set(complete):
        errors.append(_("Place every complete application before you send the recommendation."))
    if send:
        # Every application that came in time is screened first: one still being screened
        # (or waiting for the applicant's answer) could never be decided once this is sent.
        unscreened = Application.objects.filter(
            round=round_, status__in=[Application.Status.SUBMITTED, Application.Status.MORE_INFO]
        ).order_by("title")
        if unscreened:
            errors.append(
                _(
                    "Screen every application before you send the recommendation: mark it "
                    "complete or reject it. Not screened yet: %(titles)s."
                )
                % {"titles": ", ".join(f"“{a}”" for a in unscreened)}
            )
    if errors:
        raise ValidationError(errors)
    recommendation.items.all().delete()
    RecommendationItem.objects.bulk_create(
        RecommendationItem(
            recommendation=recommendation,
            application_id=item["application"],
            order=item["order"],
            grant=item["grant"],
            amount=item.get("amount") if item["grant"] else None,
            conditions=item.get("conditions", "") if item["grant"] else "",
            # A grant of less than asked for keeps its reasons too (forvaltningsloven § 25):
            # the decision body's form starts from them.
            reason=(item.get("reason") or "").strip(),
        )
        for item in items
    )
    if send:
        recommendation.status = Recommendation.Status.SENT
        recommendation.sent_at = timezone.now()
        recommendation.sent_by = by
        recommendation.save()
        decision_awaited(round_=round_, stage=1, count=len(items), by=by)
    return recommendation


def decision_awaited(*, round_: Round, stage: int, count: int, by: User) -> None:
    """Tell the decision body that ``stage`` of the round's decision waits for it: the
    recommendation is sent (stage 1), or the body before it has recorded its decision."""
    community = round_.scheme.community
    bodies = community.decision_bodies
    notify(
        community=community,
        kind=Notification.Kind.DECISION_AWAITED,
        key=f"decision-awaited:{round_.pk}:{stage}",
        recipients=role_holders(community, Role.DECISION_BODY, but=by),
        template="komite/emails/decision_awaited",
        context={
            "round": round_,
            "body": bodies[stage - 1],
            "previous": bodies[stage - 2] if stage > 1 else "",
            "count": count,
        },
        url=reverse(
            "komite:decision",
            kwargs={"community": community.slug, "round": round_.pk, "stage": stage},
        ),
    )
