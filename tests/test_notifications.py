"""The messenger records before it sends, once per key; people see what was sent to them and
turn off the optional kinds; the secretariat sees what could not be sent."""

import pytest
from django.urls import reverse
from django_scopes import scope

from tilskot.messaging import notify
from tilskot.models import Notification, NotificationPreference
from tilskot.services import notification_preferences_set

pytestmark = pytest.mark.django_db


def send(
    world, key="test:1", recipients=None, kind=Notification.Kind.DRAFT_DEADLINE, title="Tiltak"
):
    with scope(community=world.ostfold):
        app = world.ostfold_round.applications.create(owner=world.kari, title=title)
        return notify(
            community=world.ostfold,
            kind=kind,
            key=key,
            recipients=recipients or [world.kari],
            template="soknad/emails/draft_deadline",
            context={"application": app, "round": world.ostfold_round, "days": 3},
            url=app.get_absolute_url(),
        )


def test_the_same_key_is_recorded_and_sent_once(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(world)
        second = send(world)
    assert (len(first), len(second)) == (1, 0)
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [world.kari.email]
    assert "Tiltak" in message.subject
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert '<html lang="nb">' in html
    assert f"{first[0].url}" in message.body
    with scope(community=world.ostfold):
        assert Notification.objects.get().status == Notification.Status.SENT


def test_the_html_part_is_markup_and_what_was_typed_stays_escaped(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    """The HTML part's paragraphs and links are markup (not shown as “&lt;p&gt;”), and text
    from a person (a title with a tag in it) is still escaped."""
    with django_capture_on_commit_callbacks(execute=True):
        send(world, title="Tiltak <b>feit</b>")
    html, _mimetype = mailoutbox[0].alternatives[0]
    body = html.split("<body", 1)[1]
    assert "<p>" in body
    assert "&lt;p&gt;" not in body
    assert '<a href="http' in body
    assert "&lt;b&gt;feit&lt;/b&gt;" in body
    assert "<b>feit</b>" not in body


def test_a_turned_off_reminder_is_not_recorded(world):
    notification_preferences_set(user=world.kari, enabled={"draft_deadline": False})
    assert send(world) == []


def test_legal_notices_cannot_be_turned_off(world):
    with pytest.raises(ValueError, match="cannot be turned off"):
        notification_preferences_set(user=world.kari, enabled={"rejected": False})


def test_the_notifications_page_lists_and_saves_choices(
    world, client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(world)
    client.force_login(world.kari)
    url = reverse("notifications", kwargs={"community": "ostfold"})
    page = client.get(url)
    assert [n.email for n in page.context["notifications"]] == [world.kari.email]
    assert page.context["optional_kinds"][0][2] is True
    assert client.post(url, {}).status_code == 302  # every box unticked
    assert not NotificationPreference.objects.get(user=world.kari, kind="draft_deadline").enabled
    # Bergen shows none of Østfold's notifications.
    bergen = client.get(reverse("notifications", kwargs={"community": "bergen"}))
    assert list(bergen.context["notifications"]) == []


def test_anonymous_is_sent_to_log_in(world, client):
    response = client.get(reverse("notifications", kwargs={"community": "ostfold"}))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_the_secretariat_sees_failed_sends(
    world, client, settings, django_capture_on_commit_callbacks
):
    from .mailbackends import FlakyBackend

    FlakyBackend.failures_left = 1
    settings.EMAIL_BACKEND = "tests.mailbackends.FlakyBackend"
    with django_capture_on_commit_callbacks(execute=True):
        [notification] = send(world)
    client.force_login(world.ola)
    page = client.get(reverse("secretariat", kwargs={"community": "ostfold"}))
    assert [n.pk for n in page.context["failed_notifications"]] == [notification.pk]
    assert "SMTPServerDisconnected" in page.text
    client.force_login(world.sigrid)  # Bergen's secretariat sees none of Østfold's
    assert (
        client.get(reverse("secretariat", kwargs={"community": "bergen"}))
        .context["failed_notifications"]
        .count()
        == 0
    )
