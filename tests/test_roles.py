"""Roles are held per community: a role in one community gives nothing in another."""

import pytest

from tilskot.roles import Role, has_role, roles_of
from tilskot.services import role_revoke

pytestmark = pytest.mark.django_db


def test_roles_are_per_community(world):
    assert roles_of(world.kari, world.ostfold) == {Role.APPLICANT}
    assert roles_of(world.kari, world.bergen) == {Role.COMMITTEE}
    assert has_role(world.sigrid, world.bergen, Role.SECRETARIAT)
    assert not has_role(world.sigrid, world.ostfold, Role.SECRETARIAT)
    assert roles_of(world.per, world.bergen) == set()


def test_superuser_holds_every_role(world):
    assert roles_of(world.admin, world.bergen) == set(Role)


def test_inactive_user_holds_no_role(world):
    world.sigrid.is_active = False
    world.sigrid.save()
    assert not has_role(world.sigrid, world.bergen, Role.SECRETARIAT)


def test_revoking_a_role_takes_it_away_only_there(world):
    role_revoke(user=world.kari, community=world.bergen, role=Role.COMMITTEE)
    assert roles_of(world.kari, world.bergen) == set()
    assert roles_of(world.kari, world.ostfold) == {Role.APPLICANT}


@pytest.mark.parametrize(
    ("who", "community", "status"),
    [
        ("sigrid", "bergen", 200),
        ("sigrid", "ostfold", 403),
        ("ola", "ostfold", 200),
        ("kari", "bergen", 403),  # a committee member in Bergen is not its secretariat
        ("per", "bergen", 403),
        ("admin", "ostfold", 200),
    ],
)
def test_secretariat_page_needs_the_role_in_that_community(client, world, who, community, status):
    client.force_login(getattr(world, who))
    assert client.get(f"/{community}/sekretariat/").status_code == status


def test_secretariat_page_sends_anonymous_to_login(client, world):
    response = client.get("/bergen/sekretariat/")
    assert response.status_code == 302
    assert response.url == "/konto/logg-inn/?next=/bergen/sekretariat/"


def test_secretariat_link_shown_only_to_the_secretariat(client, world):
    client.force_login(world.sigrid)
    assert 'href="/bergen/sekretariat/"' in client.get("/bergen/").text
    client.force_login(world.kari)
    assert 'href="/bergen/sekretariat/"' not in client.get("/bergen/").text


def test_roles_are_looked_up_once_per_request_user(world, django_assert_num_queries):
    # Two queries (the user's and the groups' object permissions), then from the cache.
    with django_assert_num_queries(2):
        for _ in range(3):
            assert has_role(world.sigrid, world.bergen, Role.SECRETARIAT)
            assert roles_of(world.sigrid, world.bergen) == {Role.SECRETARIAT}
