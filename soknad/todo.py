"""What waits for people in the applications stage (registered with ``tilskot.todo``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tilskot.roles import Role
from tilskot.todo import Todo

from .models import Application, Invitation, StatusChange
from .representation import waiting_for

Status = Application.Status


def applicant_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """Drafts to finish before their round closes, answers the secretariat asked for (for an
    applicant: whoever starts a draft or accepts an invitation becomes one), and invitations
    to be co-applicant not yet accepted (for anyone: the invited may have no role yet)."""
    found = []
    mine = Application.objects.none()
    if Role.APPLICANT in roles:
        mine = (
            Application.objects.filter(
                Q(owner=user)
                | Q(pk__in=Invitation.objects.filter(accepted_by=user).values("application"))
            )
            .filter(
                Q(status=Status.DRAFT, round__closes_at__gt=now, round__opens_at__lte=now)
                | Q(status=Status.MORE_INFO)
            )
            .select_related("round")
            .only("title", "status", "created_at", "updated_at", "round__closes_at")
            .order_by("pk")
        )
    for application in mine:
        draft = application.status == Status.DRAFT
        found.append(
            Todo(
                role=Role.APPLICANT,
                action=_("Finish and submit the application")
                if draft
                else _("Give the information the secretariat asks for, and submit again"),
                subject=str(application),
                url=reverse(
                    "soknad:application",
                    kwargs={"community": community.slug, "application": application.pk},
                ),
                since=application.created_at if draft else application.updated_at,
                deadline=application.round.closes_at if draft else None,
            )
        )
    invitations = (
        Invitation.objects.filter(
            email=user.email.lower(),
            accepted_by__isnull=True,
            application__status__in=[Status.DRAFT, Status.MORE_INFO],
        )
        .select_related("application")
        .only("token", "created_at", "application__title")
        .order_by("pk")
    )
    found.extend(
        Todo(
            role=Role.APPLICANT,
            action=_("Answer the invitation to be co-applicant"),
            subject=str(invitation.application),
            url=reverse(
                "soknad:invitation", kwargs={"community": community.slug, "token": invitation.token}
            ),
            since=invitation.created_at,
        )
        for invitation in invitations
    )
    return found


def screening_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """The secretariat screens every submitted application, a resubmission as well."""
    if Role.SECRETARIAT not in roles:
        return []
    submitted = (
        Application.objects.filter(status=Status.SUBMITTED)
        .annotate(
            resubmitted=Exists(
                StatusChange._base_manager.filter(  # keyed by the scoped row
                    application=OuterRef("pk"), from_status=Status.MORE_INFO
                )
            )
        )
        .only("title", "submitted_at")  # an application's texts are long: only what is shown
        .order_by("submitted_at")
    )
    return [
        Todo(
            role=Role.SECRETARIAT,
            action=_("Screen the resubmitted application")
            if application.resubmitted
            else _("Screen the application"),
            subject=str(application),
            url=reverse(  # the screening's forms are on the case page
                "soknad:application",
                kwargs={"community": community.slug, "application": application.pk},
            )
            + "#screening",
            since=application.submitted_at,
        )
        for application in submitted
    ]


def representation_todos(*, user, community, roles, now) -> Iterable[Todo]:
    """People who say they work for an organisation wait to be confirmed: by an admin of that
    organisation (one item per organisation, to its page of people), and by the secretariat,
    who may confirm anyone's (one item for the community, to the list of organisations)."""
    found = []
    secretariat = Role.SECRETARIAT in roles
    if secretariat:
        waiting = waiting_for(user=user, secretariat=True)
        if waiting:
            count = sum(w.count for w in waiting)
            found.append(
                Todo(
                    role=Role.SECRETARIAT,
                    action=_("Confirm who works for the member organisations"),
                    subject=ngettext(
                        "%(count)s person awaits confirmation",
                        "%(count)s people await confirmation",
                        count,
                    )
                    % {"count": count},
                    url=reverse("organisation_list", kwargs={"community": community.slug}),
                    since=min(w.since for w in waiting),
                )
            )
    # An organisation admin has added an affiliation, which made them an applicant.
    if Role.APPLICANT in roles and not secretariat:
        found.extend(
            Todo(
                role=Role.APPLICANT,
                action=_("Confirm who works for your organisation"),
                subject=w.organisation_name,
                url=reverse(
                    "organisation_people",
                    kwargs={"community": community.slug, "organisation": w.organisation_id},
                ),
                since=w.since,
            )
            for w in waiting_for(user=user, secretariat=False)
        )
    return found
