"""`make run`'s demo data: every role in every community, a round open today in each, a
decided round with granted projects, and a round in review that gives the committee member and
the secretariat work on their to-do pages."""

import datetime as dt

import pytest
from django.core.management import call_command
from django_scopes import scope

from komite.selectors import granted
from tilskot.demo import demo_email, load_demo
from tilskot.models import Community, Round, User
from tilskot.roles import Role, roles_of
from tilskot.todo import todos

pytestmark = pytest.mark.django_db


def test_demo_gives_every_community_an_open_round_and_every_role(oslo_now):
    call_command("load_reference", verbosity=0)
    load_demo(now=oslo_now)
    load_demo(now=oslo_now + dt.timedelta(days=400))  # a later `make run` moves the rounds on
    later = oslo_now + dt.timedelta(days=400)
    for community in Community.objects.all():
        with scope(community=community):
            assert Round.objects.open_at(later).filter(name="Demorunde").count() == 1
            assert Round.objects.upcoming_at(later).filter(name="Neste demorunde").count() == 1
            # A decided round: two granted by the last decision body, listed publicly.
            assert [i.application.title for i in granted(community)] == [
                "Felles ambulant team for skrøpelege eldre",
                "Kombinerte stillingar for jordmødrer",
            ]
        for role in Role:
            user = User.objects.get(email=demo_email(role, community))
            assert roles_of(user, community) == {role}
        with scope(community=community):
            member = User.objects.get(email=demo_email(Role.COMMITTEE, community))
            assert [t.url.rsplit("/", 2)[-2] for t in todos(user=member, community=community)] == [
                "habilitet",
                "habilitet",
            ]
            secretariat = User.objects.get(email=demo_email(Role.SECRETARIAT, community))
            assert any(
                t.url.endswith("#screening") for t in todos(user=secretariat, community=community)
            )
    kari = User.objects.get(email="kari@tilskot.test")
    assert roles_of(kari, Community.objects.get(slug="ostfold")) == {Role.APPLICANT}
    assert roles_of(kari, Community.objects.get(slug="bergen")) == {Role.COMMITTEE}
    assert User.objects.get(email="admin@tilskot.test").check_password("tilskot-demo")
