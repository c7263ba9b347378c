"""The one way Tilskot sends a message: ``notify(...)`` (Hypha's messenger, made exactly-once).

1. ``notify`` renders the message in the community's language (plain text and HTML) and
   records a ``Notification`` per recipient under a unique key *before* anything is sent. A key
   that is already recorded (a second beat, a retried task, two workers) is skipped.
2. After the surrounding transaction commits, ``send_notification`` is queued (Celery; eager on
   the embedded default). It locks the row, sends, and marks it sent; a row already sent or
   locked by another worker is left alone.
3. A failed send is recorded (attempts, error, next attempt with back-off) and shown to the
   secretariat; ``retry_due`` — run by every reminder scan — sends it again when it is due.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape, linebreaks, urlize
from django.utils.safestring import mark_safe

from .models import Community, CommunityRoleGroup, Notification, NotificationPreference, User
from .models.notifications import OPTIONAL_KINDS
from .roles import Role
from .tasks import community_task

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6


def backoff(attempts: int) -> dt.timedelta:
    """Minutes until the next try: 1, 2, 4, 8, 16 ..."""
    return dt.timedelta(seconds=settings.NOTIFICATION_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def wants(user: User | None, kind: str) -> bool:
    if user is None or kind not in OPTIONAL_KINDS:
        return True
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return preference is None or preference.enabled


def render(*, community: Community, template: str, context: dict) -> tuple[str, str, str]:
    """(subject, text, html) in the community's language."""
    with translation.override(community.language):
        subject = render_to_string(f"{template}_subject.txt", context).strip()
        text = render_to_string(f"{template}.txt", context)
        html = render_to_string(
            "notifications/email.html",
            # The text is escaped first, then made paragraphs and links: safe to mark as HTML
            # (else the template escapes the markup again and mail clients show raw tags).
            {**context, "subject": subject, "body": mark_safe(linebreaks(urlize(escape(text))))},  # noqa: S308
        )
    return subject, text, html


def notify(
    *,
    community: Community,
    kind: str,
    key: str,
    recipients: Iterable[User | str],
    template: str,
    context: dict,
    url: str = "",
) -> list[Notification]:
    """Record one notification per recipient under ``key`` and send each after commit.

    ``recipients`` are users or bare e-mail addresses (an invitation to someone without an
    account). ``url`` is the path of the case the message is about; the e-mail gets it absolute.
    """
    absolute = f"{settings.SITE_URL}{url}" if url else ""
    created = []
    for recipient in recipients:
        user = recipient if isinstance(recipient, User) else None
        email = user.email if user else str(recipient).lower()
        if not wants(user, kind):
            continue
        subject, text, html = render(
            community=community,
            template=template,
            context={
                **context,
                "community": community,
                "url": absolute,
                "site_url": settings.SITE_URL,
                "recipient": user,
            },
        )
        try:
            with transaction.atomic():
                notification = Notification.objects.create(
                    community=community,
                    kind=kind,
                    key=f"{key}:{email}"[:200],
                    recipient=user,
                    email=email,
                    subject=subject,
                    body_text=text,
                    body_html=html,
                    language=community.language,
                    url=url,
                )
        except IntegrityError:
            continue  # already recorded: sent (or being sent) once, never twice
        created.append(notification)
        transaction.on_commit(lambda pk=notification.pk: send_notification.delay(community.pk, pk))
    return created


def role_holders(community: Community, role: Role, *, but: User | None = None) -> list[User]:
    """The active people who hold ``role`` in ``community`` (its group's members): who is told
    when work waits for the role; ``but`` is the one whose action made the work, and who needs
    no telling. A superuser holds every role but is told nothing."""
    return list(
        User.objects.exclude(pk=getattr(but, "pk", None))
        .filter(
            is_active=True,
            groups__in=CommunityRoleGroup.objects.filter(community=community, role=role).values(
                "group"
            ),
        )
        .distinct()
        .order_by("email")
    )


@community_task(name="tilskot.send_notification")
def send_notification(community: Community, notification_id: int) -> str:
    """Send one recorded notification if nobody has; record a failure for a later retry."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id)
            .exclude(status=Notification.Status.SENT)
            .first()
        )
        if notification is None:
            return "skipped"  # sent already, or another worker holds it right now
        message = EmailMultiAlternatives(
            notification.subject, notification.body_text, None, [notification.email]
        )
        message.attach_alternative(notification.body_html, "text/html")
        try:
            message.send()
        except Exception as error:  # any mail backend failure: record it and retry later
            notification.attempts += 1
            notification.status = Notification.Status.FAILED
            notification.last_error = f"{type(error).__name__}: {error}"[:2000]
            notification.next_attempt_at = (
                timezone.now() + backoff(notification.attempts)
                if notification.attempts < MAX_ATTEMPTS
                else None
            )
            notification.save()
            log.warning("Sending notification %s failed: %s", notification.pk, error)
            return "failed"
        notification.attempts += 1
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.next_attempt_at = None
        notification.save()
    return "sent"


def retry_due(*, community: Community, now: dt.datetime) -> int:
    """Queue the failed notifications whose next attempt is due (call inside the scope)."""
    due = list(
        Notification.objects.filter(
            status=Notification.Status.FAILED, next_attempt_at__lte=now
        ).values_list("pk", flat=True)
    )
    for pk in due:
        send_notification.delay(community.pk, pk)
    return len(due)
