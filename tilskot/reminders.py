"""The periodic scan for reminders. Each stage registers what it reminds about (e.g.
``soknad.reminders``); Celery beat runs ``scan_reminders`` every quarter of an hour, and on the
embedded default ``manage.py send_reminders`` does the same. Running it twice, or twice at
once, sends nothing twice: every reminder has its own key (``tilskot.messaging``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from celery import shared_task
from django.utils import timezone
from django_scopes import scope

from .messaging import retry_due
from .models import Community

Reminder = Callable[..., int]
REMINDERS: list[Reminder] = []


def register(reminder: Reminder) -> Reminder:
    """Register ``reminder(*, community, now) -> number of notifications recorded``."""
    if reminder not in REMINDERS:
        REMINDERS.append(reminder)
    return reminder


def due_threshold(*, deadline: dt.datetime, now: dt.datetime, days: list[int]) -> int | None:
    """The reminder due now before ``deadline`` ("3 days before"), or None. Only the nearest
    threshold passed counts: a reminder missed while nothing ran is not sent late."""
    if now >= deadline:
        return None
    passed = [d for d in days if now >= deadline - dt.timedelta(days=d)]
    return min(passed) if passed else None


@shared_task(name="tilskot.scan_reminders")
def scan_reminders(now: str | None = None) -> dict[str, int]:
    """Record (and queue) every reminder due at ``now`` (ISO 8601; default: now), and queue
    the failed sends whose next attempt is due."""
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    counts = {"reminders": 0, "retried": 0}
    for community in Community.objects.order_by("pk"):
        with scope(community=community):
            for reminder in REMINDERS:
                counts["reminders"] += reminder(community=community, now=moment)
            counts["retried"] += retry_due(community=community, now=moment)
    return counts
