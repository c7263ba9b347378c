"""Writes to applications. Every change of status goes through ``_set_status``: it checks the
transition, saves, writes the case log (who, when, why) and queues the e-mail after commit."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm

from tilskot.messaging import notify, role_holders
from tilskot.models import Notification, Organisation, Round, User
from tilskot.roles import Role
from tilskot.services import role_grant
from tilskot.validators import without_nul

from . import rules
from .models import (
    Application,
    CriterionAnswer,
    Document,
    Invitation,
    QuestionAnswer,
    StatusChange,
    Submission,
)
from .uploads import download_name, validate_upload

Status = Application.Status

# Which status may follow which; everything else is refused.
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.SUBMITTED: {Status.COMPLETE, Status.MORE_INFO, Status.REJECTED, Status.WITHDRAWN},
    Status.MORE_INFO: {Status.SUBMITTED, Status.WITHDRAWN},
    Status.COMPLETE: {
        Status.MORE_INFO,
        Status.REJECTED,
        Status.WITHDRAWN,
        Status.GRANTED,
        Status.NOT_GRANTED,
    },
    Status.REJECTED: set(),
    Status.WITHDRAWN: set(),
    Status.GRANTED: set(),
    Status.NOT_GRANTED: set(),
}


class SubmissionRefusedError(ValidationError):
    """The application cannot be submitted; ``messages`` say why, in the user's words."""


def _locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("round__scheme__community")
        .get(pk=application.pk)
    )


def case_text(application: Application, text) -> str:
    """A line the system writes into the case log, in the case's language (the community's),
    whoever's request writes it: the log reads in one language."""
    with translation.override(application.community.language):
        return str(text)


def _set_status(
    application: Application, *, to: str, by: User, message: str = "", at: dt.datetime
) -> StatusChange:
    if to not in TRANSITIONS[application.status]:
        raise ValidationError(
            _("An application that is “%(status)s” cannot become “%(to)s”.")
            % {"status": application.get_status_display(), "to": Status(to).label}
        )
    change = StatusChange.objects.create(
        application=application,
        from_status=application.status,
        to_status=to,
        by=by,
        at=at,
        message=message,
    )
    application.status = to
    # The history's change reason is short (100 characters); the message is in the case log.
    application._change_reason = f"{change.from_status} → {to}"
    application.save(
        update_fields=[
            "status",
            "updated_at",
            *(["submitted_at"] if to == Status.SUBMITTED else []),
        ]
    )
    return change


def _notify(
    *, kind: str, key: str, recipients, template: str, application: Application, **context
) -> None:
    """Record the message for each recipient and send it after commit (tilskot.messaging)."""
    notify(
        community=application.community,
        kind=kind,
        key=key,
        recipients=recipients,
        template=f"soknad/emails/{template}",
        context={"application": application, **context},
        url=application.get_absolute_url(),
    )


def applicant_users(application: Application) -> list[User]:
    """The responsible applicant and every co-applicant who has accepted."""
    accepted = [
        i.accepted_by
        for i in application.invitations.filter(accepted_by__isnull=False).select_related(
            "accepted_by"
        )
    ]
    return list(dict.fromkeys([application.owner, *accepted]))


def applicant_emails(application: Application) -> list[str]:
    return sorted(user.email for user in applicant_users(application))


# --- drafts ------------------------------------------------------------------------------------


@transaction.atomic
def application_create(*, round_: Round, user: User) -> Application:
    """Start a draft in an open round; the person becomes an applicant in the community."""
    if not rules.round_accepts_submissions(round_):
        raise ValidationError(_("This round is not open for applications."))
    affiliation = user.affiliations.select_related("organisation").first()
    application = Application.objects.create(
        round=round_,
        owner=user,
        responsible_organisation=affiliation.organisation if affiliation else None,
    )
    role_grant(user=user, community=round_.scheme.community, role=Role.APPLICANT)
    return application


def _require_editable(application: Application, user: User, step: str) -> None:
    if not rules.can_edit_step(user, application, step):
        raise PermissionDenied


@transaction.atomic
def application_save_step(
    *, application: Application, user: User, step: str, fields: dict, m2m: dict | None = None
) -> Application:
    """Save the valid fields of one step of a draft (a step is saved even when other fields on
    it were invalid, so nothing valid is lost)."""
    _require_editable(application, user, step)
    for name, value in fields.items():
        setattr(application, name, value)
    application.save()
    for name, values in (m2m or {}).items():
        getattr(application, name).set(values)
    return application


@transaction.atomic
def answers_save(
    *,
    application: Application,
    user: User,
    criteria: dict[int, str],
    questions: dict[int, tuple[bool | None, str]],
) -> None:
    _require_editable(application, user, "criteria")
    for criterion_id, text in criteria.items():
        CriterionAnswer.objects.update_or_create(
            application=application, criterion_id=criterion_id, defaults={"text": text}
        )
    for question_id, (yes, text) in questions.items():
        QuestionAnswer.objects.update_or_create(
            application=application, question_id=question_id, defaults={"yes": yes, "text": text}
        )


@transaction.atomic
def document_add(
    *, application: Application, user: User, upload, kind: str = Document.Kind.AGREEMENT
) -> Document:
    """Store an upload after checking its content; a new agreement replaces the old one."""
    _require_editable(application, user, "parties")
    file_type = validate_upload(upload)
    if kind == Document.Kind.AGREEMENT:
        for old in application.documents.filter(kind=kind):
            old.file.delete(save=False)
            old.delete()
    document = Document(
        application=application,
        kind=kind,
        original_name=upload.name[:255],
        content_type=file_type.content_type,
        size=upload.size,
        uploaded_by=user,
    )
    document.file.save(download_name(upload.name, file_type), upload, save=False)
    document.save()
    return document


# --- co-applicants -----------------------------------------------------------------------------


@transaction.atomic
def invitation_create(*, application: Application, by: User, email: str) -> Invitation:
    _require_editable(application, by, "parties")
    invitation = Invitation.objects.create(
        application=application, email=email.lower(), invited_by=by
    )
    community = application.community
    accept_url = reverse(
        "soknad:invitation", kwargs={"community": community.slug, "token": invitation.token}
    )
    _notify(
        kind=Notification.Kind.INVITATION,
        key=f"invitation:{invitation.pk}",
        recipients=[invitation.email],
        template="invitation",
        application=application,
        invitation=invitation,
        accept_url=accept_url,
        by=by,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Application:
    """The invited person becomes co-applicant: they may edit the same draft."""
    if invitation.accepted_by_id not in (None, user.pk):
        raise ValidationError(_("This invitation has already been used by someone else."))
    if invitation.email != user.email.lower():
        raise ValidationError(
            _("This invitation was sent to %(email)s. Log in with that address to accept it.")
            % {"email": invitation.email}
        )
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    assign_perm(rules.COAPPLY, user, invitation.application)
    user.__dict__.pop(rules.COAPPLICANT_CACHE, None)
    role_grant(user=user, community=invitation.application.community, role=Role.APPLICANT)
    rules.parties_changed(application=invitation.application, user=user)
    return invitation.application


def case_note(*, application: Application, by: User, message: str) -> StatusChange:
    """Write an event that changes no status into the case log (a later stage's, such as a
    committee member disqualified as a party)."""
    return StatusChange.objects.create(
        application=application,
        from_status=application.status,
        to_status=application.status,
        by=by,
        at=timezone.now(),
        message=message,
    )


# --- submission --------------------------------------------------------------------------------


def snapshot(application: Application) -> dict:
    """Everything the applicant submitted, with the wording of the form at that moment."""
    criteria = {a.criterion_id: a.text for a in application.criterion_answers.all()}
    questions = {a.question_id: a for a in application.question_answers.all()}
    scheme = application.round.scheme
    totals = rules.budget_totals(application)

    def org(o: Organisation | None) -> dict | None:
        return None if o is None else {"name": o.name, "org_number": o.org_number, "kind": o.kind}

    return {
        "community": application.community.name,
        "language": application.community.language,
        "round": application.round.name,
        "title": application.title,
        "summary": application.summary,
        "description": application.description,
        "period_start": application.period_start.isoformat() if application.period_start else "",
        "period_end": application.period_end.isoformat() if application.period_end else "",
        "owner": {"name": application.owner.get_full_name(), "email": application.owner.email},
        "responsible_organisation": org(application.responsible_organisation),
        "applicant_reference": application.applicant_reference,
        "partners": [org(p) for p in application.partners.all()],
        "anchoring": {"name": application.anchoring_name, "title": application.anchoring_title},
        "patient_responsibility": application.patient_responsibility,
        "priority_areas": [p.name for p in application.priority_areas.all()],
        "texts": {field: getattr(application, field) for field in Application.TEXT_FIELDS},
        "criteria": [
            {"title": c.title, "kind": c.kind, "answer": criteria.get(c.pk, "")}
            for c in scheme.criteria.all()
        ],
        "questions": [
            {
                "text": q.text,
                "yes": getattr(questions.get(q.pk), "yes", None),
                "answer": getattr(questions.get(q.pk), "text", ""),
            }
            for q in scheme.questions.all()
        ],
        "budget": [
            {
                "year": line.year,
                "party": line.organisation.name,
                "description": line.description,
                "requested": str(line.requested_amount),
                "own_contribution": str(line.own_contribution),
                "kind": line.get_own_contribution_kind_display(),
            }
            for line in application.budget_lines.select_related("organisation")
        ],
        "totals": {
            "requested": str(totals.requested),
            "own_contribution": str(totals.own_contribution),
            "total": str(totals.total),
        },
        "costs_gains": [
            {
                "party": cg.organisation.name,
                "cost_per_year": str(cg.cost_per_year),
                "gain_per_year": str(cg.gain_per_year),
                "description": cg.description,
            }
            for cg in application.costs_gains.select_related("organisation")
        ],
        "documents": [
            {"name": d.original_name, "kind": d.get_kind_display(), "size": d.size}
            for d in application.documents.all()
        ],
    }


@transaction.atomic
def application_submit(
    *, application: Application, user: User, now: dt.datetime | None = None
) -> Submission:
    """Submit while the round is open (or, after a request for more information, resubmit, also
    after the deadline: ``rules.accepts_submission``), as a person who may sign for the
    responsible organisation (``rules.application_signing``).

    The row is locked first, so two tabs or a double click make one submission: the second
    finds the application already submitted and gets that same submission back.
    """
    now = now or timezone.now()
    application = _locked(application)
    if not rules.is_applicant_of(user, application):
        raise PermissionDenied
    if application.status == Status.SUBMITTED:
        return application.submissions.order_by("-number").first()
    if not rules.accepts_submission(application, now):
        raise SubmissionRefusedError(
            _(
                "The deadline for this round has passed, so the application could not be "
                "submitted. It is kept as a draft."
            )
        )
    refusals = [m.message for m in rules.application_missing(application)]
    # Submitting binds the responsible organisation: only whoever may sign for it submits.
    signing = rules.application_signing(user, application)
    if signing is not None and not signing.ok:
        refusals.append(signing.reason)
    if refusals:
        raise SubmissionRefusedError(refusals)
    application.submitted_at = now
    resubmission = application.status == Status.MORE_INFO
    _set_status(
        application,
        to=Status.SUBMITTED,
        by=user,
        at=now,
        message=case_text(application, gettext_lazy("Resubmitted with more information"))
        if resubmission
        else "",
    )
    number = application.submissions.count() + 1
    submission = Submission.objects.create(
        application=application,
        number=number,
        submitted_at=now,
        submitted_by=user,
        snapshot=snapshot(application),
    )
    application.more_info_steps = []
    application.save(update_fields=["more_info_steps"])
    if resubmission:  # the parties may have changed while it was open for more information
        rules.parties_changed(application=application)
        community = application.community
        notify(  # the secretariat screens it again
            community=community,
            kind=Notification.Kind.RESUBMITTED,
            key=f"resubmitted:{submission.pk}",
            recipients=role_holders(community, Role.SECRETARIAT, but=user),
            template="soknad/emails/resubmitted",
            context={"application": application, "submission": submission},
            url=reverse(  # the screening's forms are on the case page
                "soknad:application",
                kwargs={"community": community.slug, "application": application.pk},
            )
            + "#screening",
        )
    _notify(
        kind=Notification.Kind.RECEIPT,
        key=f"receipt:{submission.pk}",
        recipients=applicant_users(application),
        template="receipt",
        application=application,
        submission=submission,
    )
    return submission


@transaction.atomic
def application_withdraw(*, application: Application, user: User, reason: str = "") -> None:
    application = _locked(application)
    if not rules.can_withdraw(user, application):
        raise PermissionDenied
    _set_status(application, to=Status.WITHDRAWN, by=user, message=reason, at=timezone.now())


# --- screening ---------------------------------------------------------------------------------


def _require_screening(application: Application, user: User) -> None:
    if not rules.can_screen(user, application):
        raise PermissionDenied
    if reason := rules.screening_closed(application):
        raise ValidationError(reason)


@transaction.atomic
def application_mark_complete(*, application: Application, by: User) -> None:
    application = _locked(application)
    _require_screening(application, by)
    _set_status(application, to=Status.COMPLETE, by=by, at=timezone.now())


@transaction.atomic
def application_request_more_info(
    *, application: Application, by: User, message: str, steps: list[str]
) -> None:
    """Ask the applicant for more; they can edit the named steps and resubmit."""
    application = _locked(application)
    _require_screening(application, by)
    if not message.strip():
        raise ValidationError(_("Say what information you need."))
    unknown = set(steps) - set(rules.STEP_KEYS)
    if not steps or unknown:
        raise ValidationError(_("Choose the parts of the application the applicant may change."))
    application.more_info_request = message
    application.more_info_steps = steps
    application.save(update_fields=["more_info_request", "more_info_steps"])
    change = _set_status(
        application, to=Status.MORE_INFO, by=by, message=message, at=timezone.now()
    )
    _notify(
        kind=Notification.Kind.MORE_INFO,
        key=f"more-info:{change.pk}",
        recipients=applicant_users(application),
        template="more_info",
        application=application,
        message=message,
        steps=[str(title) for key, title in rules.STEPS if key in steps],
    )


@transaction.atomic
def application_reject_formally(*, application: Application, by: User, reason: str) -> None:
    application = _locked(application)
    _require_screening(application, by)
    if not reason.strip():
        raise ValidationError(_("Give the reason for the rejection."))
    _set_status(application, to=Status.REJECTED, by=by, message=reason, at=timezone.now())
    _notify(
        kind=Notification.Kind.REJECTED,
        key=f"rejected:{application.pk}",
        recipients=applicant_users(application),
        template="rejected",
        application=application,
        reason=reason,
    )


@transaction.atomic
def application_decide(*, application: Application, granted: bool, by: User, message: str) -> None:
    """Record the final decision on a complete application in its case log (the committee's
    stage calls this when the last decision body's decision is recorded)."""
    application = _locked(application)
    _set_status(
        application,
        to=Status.GRANTED if granted else Status.NOT_GRANTED,
        by=by,
        message=message,
        at=timezone.now(),
    )


# --- budget and cost lines, and the input kept from a failed validation ----------------------


@transaction.atomic
def lines_save(*, application: Application, user: User, step: str, formset) -> None:
    """Save a valid formset of budget lines or costs and gains."""
    _require_editable(application, user, step)
    formset.save()


def pending_input_set(*, application: Application, user: User, step: str, data) -> None:
    """Keep what was typed on ``step`` when it did not validate (``data``: a QueryDict)."""
    _require_editable(application, user, step)
    application.pending_input = {
        **application.pending_input,
        step: {
            without_nul(k): [without_nul(v) for v in data.getlist(k)]
            for k in data
            if k != "csrfmiddlewaretoken"
        },
    }
    application.save(update_fields=["pending_input", "updated_at"])


def pending_input_clear(*, application: Application, step: str) -> None:
    if step in application.pending_input:
        application.pending_input = {
            k: v for k, v in application.pending_input.items() if k != step
        }
        application.save(update_fields=["pending_input"])
