"""The profile in each community: affiliations and the applicant role. (Registration, log-in
and passwords are django-allauth's: tests/test_identity.py.)

Assertions compare codes, URLs and values rather than wording, so the tests hold in every
language the lead translates into.
"""

import re

import pytest
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from soknad.models import Affiliation
from soknad.profile import affiliation_add
from tilskot.models import Organisation, User
from tilskot.roles import Role, roles_of
from tilskot.services import role_revoke

from .factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

CONFIRM_LINK = re.compile(r"http://testserver(/konto/bekreft/[^/\s]+/)")
RESET_LINK = re.compile(r"http://testserver(/konto/passord/ny/[^/\s]+/[^/\s]+/)")
PASSWORD = "Fjordlandskap-2026"


def registration(**overrides) -> dict[str, str]:
    return {
        "email": "Ingrid.Haugen@Halden.kommune.no",
        "first_name": "Ingrid",
        "last_name": "Haugen",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }


def pending_user(**kwargs) -> User:
    return UserFactory(is_active=False, **kwargs)


def hospital_trust(community) -> Organisation:
    with scope(community=community):
        return Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)


def problem_of(response) -> str:
    assert response.status_code == 200
    return response.context["problem"]


class TestProfile:
    def test_anonymous_is_sent_to_log_in(self, client, world):
        response = client.get("/ostfold/profil/")
        assert response.status_code == 302
        assert response.url == f"{reverse('account_login')}?next=/ostfold/profil/"
        assert client.post("/ostfold/profil/", {"action": "name"}).status_code == 302

    def test_shows_the_roles_in_this_community(self, client, world):
        client.force_login(world.kari)
        assert client.get("/ostfold/profil/").context["roles"] == [Role.APPLICANT]
        assert client.get("/bergen/profil/").context["roles"] == [Role.COMMITTEE]
        client.force_login(world.per)
        assert client.get("/ostfold/profil/").context["roles"] == []

    def test_offers_only_this_communitys_organisations(self, client, world):
        client.force_login(world.per)
        form = client.get("/ostfold/profil/").context["add_form"]
        with scope(community=world.ostfold):
            assert list(form.fields["organisation"].queryset) == list(
                Organisation.objects.order_by("name")
            )
        assert [o.community_id for o in form.fields["organisation"].queryset] == [world.ostfold.pk]

    def test_adding_the_first_affiliation_grants_applicant_in_this_community_only(
        self, client, world
    ):
        organisation = hospital_trust(world.ostfold)
        client.force_login(world.per)
        response = client.post(
            "/ostfold/profil/",
            {"action": "add", "add-organisation": organisation.pk, "add-job_title": "Rådgivar"},
        )
        assert response.status_code == 302
        assert response.url == "/ostfold/profil/"
        with scope(community=world.ostfold):
            affiliation = Affiliation.objects.get()
        assert (affiliation.user, affiliation.organisation, affiliation.job_title) == (
            world.per,
            organisation,
            "Rådgivar",
        )
        assert roles_of(world.per, world.ostfold) == {Role.APPLICANT}
        assert roles_of(world.per, world.bergen) == set()
        assert client.get("/ostfold/profil/").context["roles"] == [Role.APPLICANT]

    def test_an_organisation_of_another_community_cannot_be_chosen(self, client, world):
        foreign = hospital_trust(world.bergen)
        client.force_login(world.per)
        response = client.post(
            "/ostfold/profil/", {"action": "add", "add-organisation": foreign.pk}
        )
        assert response.status_code == 200
        errors = response.context["add_form"].errors.as_data()
        assert [error.code for error in errors["organisation"]] == ["invalid_choice"]
        assert 'href="#id_add-organisation"' in response.text
        with scopes_disabled():
            assert Affiliation.objects.count() == 0
        assert roles_of(world.per, world.ostfold) == set()
        assert roles_of(world.per, world.bergen) == set()

    def test_an_organisation_already_added_cannot_be_added_twice(self, client, world):
        organisation = hospital_trust(world.ostfold)
        affiliation_add(user=world.per, organisation=organisation)
        client.force_login(world.per)
        form = client.get("/ostfold/profil/").context["add_form"]
        assert organisation not in form.fields["organisation"].queryset
        response = client.post(
            "/ostfold/profil/", {"action": "add", "add-organisation": organisation.pk}
        )
        assert list(response.context["add_form"].errors) == ["organisation"]

    def test_removing_an_affiliation(self, client, world):
        affiliation = affiliation_add(user=world.per, organisation=hospital_trust(world.ostfold))
        client.force_login(world.per)
        response = client.post(
            "/ostfold/profil/", {"action": "remove", "affiliation": affiliation.pk}
        )
        assert response.status_code == 302
        with scopes_disabled():
            assert Affiliation.objects.count() == 0
        assert client.get("/ostfold/profil/").context["affiliations"].count() == 0

    def test_cannot_remove_someone_elses_or_another_communitys_affiliation(self, client, world):
        karis = affiliation_add(user=world.kari, organisation=hospital_trust(world.ostfold))
        pers_in_bergen = affiliation_add(user=world.per, organisation=hospital_trust(world.bergen))
        client.force_login(world.per)
        for affiliation in (karis, pers_in_bergen):
            response = client.post(
                "/ostfold/profil/", {"action": "remove", "affiliation": affiliation.pk}
            )
            assert response.status_code == 404
        assert client.post("/ostfold/profil/", {"action": "remove"}).status_code == 400
        with scopes_disabled():
            assert Affiliation.objects.count() == 2

    def test_a_later_affiliation_does_not_restore_a_revoked_role(self, world):
        with scopes_disabled():
            municipality = OrganisationFactory(community=world.ostfold, name="Halden kommune")
        affiliation_add(user=world.per, organisation=hospital_trust(world.ostfold))
        role_revoke(user=world.per, community=world.ostfold, role=Role.APPLICANT)
        affiliation_add(user=world.per, organisation=municipality)
        assert roles_of(world.per, world.ostfold) == set()

    def test_changing_the_name(self, client, world):
        client.force_login(world.per)
        response = client.post(
            "/ostfold/profil/",
            {"action": "name", "name-first_name": "Per Olav", "name-last_name": "Berg"},
        )
        assert response.status_code == 302
        world.per.refresh_from_db()
        assert (world.per.first_name, world.per.last_name) == ("Per Olav", "Berg")

    def test_an_empty_name_is_a_form_error_and_nothing_is_saved(self, client, world):
        before = (world.per.first_name, world.per.last_name)
        client.force_login(world.per)
        response = client.post(
            "/ostfold/profil/",
            {"action": "name", "name-first_name": "", "name-last_name": "Berg"},
        )
        assert response.status_code == 200
        assert list(response.context["name_form"].errors) == ["first_name"]
        assert 'href="#id_name-first_name"' in response.text
        world.per.refresh_from_db()
        assert (world.per.first_name, world.per.last_name) == before
