"""What the community's own people are told beyond one application's life
(tests/test_whole_life.py): Nord's second decision body when the first has recorded; nobody
told of what they did themselves; the staff's notices turned off where the law allows, and only
the kinds of a person's roles offered; an overdue report told once."""

import datetime as dt

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from komite import decisions
from tilskot.models import Notification, NotificationPreference
from tilskot.models.notifications import OPTIONAL_KINDS
from tilskot.reminders import scan_reminders
from tilskot.roles import Role
from tilskot.services import notification_preferences_set, role_grant
from utbetaling.models import Grant

from .factories import ApplicationFactory, UserFactory, make_grant
from .test_decision import items, nord  # noqa: F401  (the fixture)
from .test_payments import register

pytestmark = pytest.mark.django_db


def test_nords_coordination_committee_is_told_when_the_ssu_has_recorded(world, nord):  # noqa: F811
    community, round_, apps, secretariat = nord
    member = UserFactory(email="koordinering@tilskot.test")
    role_grant(user=member, community=community, role=Role.DECISION_BODY)
    first, second = community.decision_bodies

    def decide(stage):
        with scope(community=community):
            decisions.decision_save(
                round_=round_,
                stage=stage,
                by=secretariat,
                meeting=f"Møte {stage}",
                case_reference=f"{stage}/26",
                decided_on=dt.date(2026, 11, 20),
                items=items(apps),
                record=True,
            )

    decide(1)
    with scopes_disabled():
        told = Notification.objects.get(kind=Notification.Kind.DECISION_AWAITED)
    assert told.email == member.email
    assert told.language == community.language
    assert told.url == reverse(
        "komite:decision", kwargs={"community": community.slug, "round": round_.pk, "stage": 2}
    )
    assert first in told.body_text
    assert second in told.body_text
    decide(2)  # the final decision: the letters tell the applicants; the body is told nothing
    with scopes_disabled():
        assert Notification.objects.filter(kind=Notification.Kind.DECISION_AWAITED).count() == 1


def test_nobody_is_told_of_what_they_did_themselves(world):
    """Finance registering a grant's internal booking is not told it waits for finance; the
    other finance officer is."""
    first, second = UserFactory(email="frida@tilskot.test"), UserFactory(email="finn@tilskot.test")
    for person in (first, second):
        role_grant(user=person, community=world.bergen, role=Role.FINANCE)
    with scopes_disabled():
        grant = make_grant(ApplicationFactory(round=world.bergen_round), internal=True)
    with scope(community=world.bergen):
        register(grant, first, 1000, marking="", file=None)
    with scopes_disabled():
        told = Notification.objects.filter(kind=Notification.Kind.PAYMENT_REGISTERED)
        assert [n.email for n in told] == [second.email]


def test_a_staff_notice_turned_off_is_not_sent_and_the_todo_page_still_lists_it(world, client):
    finance = UserFactory(email="frida@tilskot.test")
    role_grant(user=finance, community=world.bergen, role=Role.FINANCE)
    world.bergen.payment_project_number = "R-11326"
    world.bergen.save()
    notification_preferences_set(user=finance, enabled={"payment_registered": False})
    with scopes_disabled():
        grant = make_grant(ApplicationFactory(round=world.bergen_round, owner=world.kari))
    register(grant, world.kari, 1000)
    with scopes_disabled():
        assert not Notification.objects.filter(kind=Notification.Kind.PAYMENT_REGISTERED).exists()
    client.force_login(finance)
    page = client.get(reverse("todo", kwargs={"community": "bergen"}))
    assert [todo.url for todo, _overdue in page.context["todos"]] == [grant.get_absolute_url()]


def test_the_notifications_page_offers_the_kinds_of_the_persons_roles(world, client):
    """Finance is offered finance's notice (and the draft reminder: anyone may apply), not the
    committee's; saving in Bergen leaves a choice made for another role untouched."""
    finance = UserFactory(email="frida@tilskot.test")
    role_grant(user=finance, community=world.bergen, role=Role.FINANCE)
    notification_preferences_set(user=finance, enabled={"scoring_deadline": False})
    client.force_login(finance)
    url = reverse("notifications", kwargs={"community": "bergen"})
    offered = [kind for kind, _label, _on in client.get(url).context["optional_kinds"]]
    assert offered == ["draft_deadline", "payment_registered"]
    client.post(url, {"enabled": ["payment_registered"]})
    choices = dict(
        NotificationPreference.objects.filter(user=finance).values_list("kind", "enabled")
    )
    assert choices == {
        "draft_deadline": False,
        "payment_registered": True,
        "scoring_deadline": False,
    }
    # The secretariat is offered its three notices.
    client.force_login(world.sigrid)
    offered = {kind for kind, _label, _on in client.get(url).context["optional_kinds"]}
    assert offered == {
        kind for kind, role in OPTIONAL_KINDS.items() if role in (Role.SECRETARIAT, Role.APPLICANT)
    }
    assert {"resubmitted", "reallocation_requested", "report_submitted"} <= offered


def test_legal_notices_and_an_appointment_cannot_be_turned_off(world):
    for kind in ("decision", "appointed", "report_overdue", "report_due", "repayment_claim"):
        with pytest.raises(ValueError, match="cannot be turned off"):
            notification_preferences_set(user=world.kari, enabled={kind: False})


def test_an_overdue_report_is_told_once_to_the_recipient_and_the_secretariat(
    world, django_capture_on_commit_callbacks, mailoutbox
):
    with scopes_disabled():
        grant = make_grant(ApplicationFactory(round=world.bergen_round, owner=world.kari))
        Grant.objects.filter(pk=grant.pk).update(
            period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 31)
        )
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):  # due 31 March 2026: overdue at every scan from then on
            scan_reminders()
    with scopes_disabled():
        overdue = Notification.objects.filter(kind=Notification.Kind.REPORT_OVERDUE)
        assert sorted(n.email for n in overdue) == [world.kari.email, world.sigrid.email]
        assert {n.language for n in overdue} == {"nn"}
    assert sorted(m.to[0] for m in mailoutbox) == [world.kari.email, world.sigrid.email]
