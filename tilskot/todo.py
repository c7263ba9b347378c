"""What waits for a person in a community: their to-do page (``/<community>/oppgaver/``), the
first page after log-in.

Each stage registers what it knows waits (``register_todo``), as reminders are registered:
``source(*, user, community, roles, now) -> Iterable[Todo]``. A source looks only at the roles
it serves and reads with a fixed number of queries, so the page's query count does not grow
with the community. The core lists the e-mails that failed for the secretariat itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Community, Notification, User
from .roles import Role, roles_of


@dataclass(frozen=True)
class Todo:
    """One thing that waits for the person: ``action`` says what to do ("Screen the
    application"), ``subject`` what it is about, ``url`` goes straight to it. ``since`` orders
    the list (oldest first); ``deadline`` is shown, and marked when it has passed."""

    role: Role
    action: str
    subject: str
    url: str
    since: dt.datetime | None
    deadline: dt.datetime | dt.date | None = None

    @property
    def has_time(self) -> bool:
        """Whether the deadline is a moment (a round's deadline at 12:00), not a day."""
        return isinstance(self.deadline, dt.datetime)

    def overdue(self, now: dt.datetime) -> bool:
        if self.deadline is None:
            return False
        if isinstance(self.deadline, dt.datetime):
            return self.deadline < now
        return self.deadline < timezone.localdate(now)


def day_start(day: dt.date) -> dt.datetime:
    """The start of ``day`` in Norwegian time: a day as a moment, for ``Todo.since``."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)

Source = Callable[..., Iterable[Todo]]
SOURCES: list[Source] = []


def register_todo(source: Source) -> Source:
    if source not in SOURCES:
        SOURCES.append(source)
    return source


def todos(*, user: User, community: Community, now: dt.datetime | None = None) -> list[Todo]:
    """Everything that waits for ``user`` in ``community`` across their roles there, oldest
    first (call inside the community's scope)."""
    now = now or timezone.now()
    # Without a role a person may still have work: an invitation to be co-applicant.
    roles = roles_of(user, community)
    found = [
        todo
        for source in SOURCES
        for todo in source(user=user, community=community, roles=roles, now=now)
    ]
    # A row without its moment (data from before it was recorded) sorts first, never fails.
    return sorted(found, key=lambda todo: (todo.since or EARLIEST, todo.subject))


@register_todo
def failed_emails(*, user, community, roles, now) -> Iterable[Todo]:
    """The secretariat sees the e-mails that could not be sent, as one item."""
    if Role.SECRETARIAT not in roles:
        return []
    failed = Notification.objects.filter(status=Notification.Status.FAILED).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    if not failed["count"]:
        return []
    return [
        Todo(
            role=Role.SECRETARIAT,
            action=str(_("Check the e-mails that could not be sent")),
            subject=ngettext(
                "%(count)s e-mail could not be sent",
                "%(count)s e-mails could not be sent",
                failed["count"],
            )
            % {"count": failed["count"]},
            url=reverse("secretariat", kwargs={"community": community.slug}) + "#failed-heading",
            since=failed["oldest"],
        )
    ]
