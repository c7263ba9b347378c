"""Reminders before a round's deadline: 14, 3 and 1 days before (the community's data), each to
each owner and co-applicant of a draft exactly once, over a simulated three weeks in which the
scan runs twice at every step and the mail server fails once.

Run with a real Redis broker and a real Celery worker when CELERY_BROKER_URL is set (CI's
second run), and through `manage.py send_reminders` on the embedded default."""

import datetime as dt
import io
import time
from collections import Counter

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django_scopes import scope, scopes_disabled

from soknad.models import Application
from tilskot.celery import app as celery_app
from tilskot.models import Notification
from tilskot.reminders import due_threshold, scan_reminders
from tilskot.services import notification_preferences_set

from .factories import UserFactory

DAY = dt.timedelta(days=1)


def scenario(world):
    """A round closing in 60 days with three applications: a draft with a co-applicant, a
    submitted one, and a draft whose owner turned reminders off."""
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    deadline = now + 60 * DAY
    with scope(community=world.ostfold):
        round_ = world.ostfold_round
        round_.opens_at = now - DAY
        round_.closes_at = deadline
        round_.save()
        draft = Application.objects.create(round=round_, owner=world.kari, title="Utkast")
        draft.invitations.create(
            email=world.per.email, invited_by=world.kari, accepted_by=world.per, accepted_at=now
        )
        Application.objects.create(
            round=round_, owner=world.ola, title="Sendt", status=Application.Status.SUBMITTED
        )
        quiet = UserFactory(email="stille@tilskot.test")
        notification_preferences_set(user=quiet, enabled={"draft_deadline": False})
        Application.objects.create(round=round_, owner=quiet, title="Stille")
    # Three weeks before the deadline until a day after, every six hours.
    steps = [deadline - 21 * DAY + i * dt.timedelta(hours=6) for i in range(22 * 4 + 1)]
    return deadline, steps


def expected_mail(world) -> Counter:
    return Counter(
        (email, days) for email in (world.kari.email, world.per.email) for days in (14, 3, 1)
    )


def sent_mail() -> Counter:
    found = Counter()
    for message in mail.outbox:
        days = next(d for d in (14, 3, 1) if f" {d} " in f" {message.subject} ")
        found[(message.to[0], days)] += 1
    return found


def check_records(world):
    with scopes_disabled():
        records = list(Notification.objects.order_by("pk"))
    assert len(records) == 6
    assert {r.status for r in records} == {Notification.Status.SENT}
    assert sorted(r.attempts for r in records) == [1, 1, 1, 1, 1, 2]  # one was retried
    failed_once = next(r for r in records if r.attempts == 2)
    assert "SMTPServerDisconnected" in failed_once.last_error
    assert all(r.body_html.startswith("<!DOCTYPE html>") for r in records)


@pytest.fixture
def flaky_mail(settings):
    from .mailbackends import FlakyBackend

    FlakyBackend.failures_left = 1
    settings.EMAIL_BACKEND = "tests.mailbackends.FlakyBackend"
    settings.NOTIFICATION_RETRY_SECONDS = 0


def test_due_threshold():
    deadline = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)
    days = [14, 3, 1]
    assert due_threshold(deadline=deadline, now=deadline - 15 * DAY, days=days) is None
    assert due_threshold(deadline=deadline, now=deadline - 14 * DAY, days=days) == 14
    assert due_threshold(deadline=deadline, now=deadline - 2 * DAY, days=days) == 3
    assert due_threshold(deadline=deadline, now=deadline - dt.timedelta(hours=1), days=days) == 1
    assert due_threshold(deadline=deadline, now=deadline, days=days) is None


@pytest.mark.django_db
def test_embedded_default_through_the_management_command(
    world, flaky_mail, django_capture_on_commit_callbacks
):
    _deadline, steps = scenario(world)
    for moment in steps:
        for _twice in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                call_command("send_reminders", now=moment.isoformat(), stdout=io.StringIO())
    assert sent_mail() == expected_mail(world)
    check_records(world)
    english = next(m for m in mail.outbox if m.to == [world.kari.email])
    assert "Utkast" in english.subject


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("redis://"),
    reason="needs the Redis broker (CELERY_BROKER_URL): CI's second run has it",
)
def test_real_worker_with_redis_and_two_scans_at_once(world, flaky_mail):
    from celery.contrib.testing.worker import start_worker

    _deadline, steps = scenario(world)
    celery_app.conf.task_always_eager = False  # the autouse fixture puts it back
    celery_app.control.purge()  # nothing left over from an earlier, interrupted run
    with start_worker(
        celery_app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"
    ):
        for moment in steps:
            # Two scans at once, as two beats (or a retried beat) would send them.
            scans = [scan_reminders.delay(now=moment.isoformat()) for _ in range(2)]
            for scan in scans:
                scan.get(timeout=30)
            wait_until_nothing_pending()
    assert sent_mail() == expected_mail(world)
    check_records(world)


def wait_until_nothing_pending(timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with scopes_disabled():
            if not Notification.objects.filter(status=Notification.Status.PENDING).exists():
                return
        time.sleep(0.05)
    raise AssertionError("notifications still pending after 30 s")
