"""Accounts for applicants: registration with a confirmed e-mail address, a new confirmation
link, password reset, and the profile in each community (affiliations and the applicant role).

Assertions compare codes, URLs and values rather than wording, so the tests hold in every
language the lead translates into.
"""

import re
import time
from unittest import mock

import pytest
from django.core import signing
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from soknad.accounts import (
    CONFIRM_MAX_AGE,
    ConfirmationLinkError,
    LinkProblem,
    affiliation_add,
    confirmation_token_make,
    confirmation_user_get,
)
from soknad.models import Affiliation
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


class TestRegistration:
    def test_registering_mails_a_link_that_confirms_and_logs_in(self, client, mailoutbox):
        response = client.post(reverse("register"), registration())
        assert response.status_code == 302
        assert response.url == reverse("register_done")

        user = User.objects.get()
        assert (user.email, user.first_name, user.last_name) == (
            "ingrid.haugen@halden.kommune.no",
            "Ingrid",
            "Haugen",
        )
        assert user.is_active is False
        assert user.check_password(PASSWORD)

        assert len(mailoutbox) == 1
        assert mailoutbox[0].to == ["ingrid.haugen@halden.kommune.no"]
        link = CONFIRM_LINK.search(mailoutbox[0].body).group(1)

        # Opening the link (as a mail scanner would) confirms nothing yet.
        opened = client.get(link)
        assert opened.status_code == 200
        assert opened.context.get("problem") is None
        user.refresh_from_db()
        assert user.is_active is False

        confirmed = client.post(link)
        assert confirmed.status_code == 302
        assert confirmed.url == reverse("confirm_done")
        user.refresh_from_db()
        assert user.is_active is True
        assert client.session["_auth_user_id"] == str(user.pk)
        done = client.get(confirmed.url)
        assert done.status_code == 200
        assert done.context["user"] == user

    def test_the_mail_names_the_person_as_typed(self, client, mailoutbox):
        client.post(reverse("register"), registration(last_name="O'Neill"))
        assert "Ingrid O'Neill" in mailoutbox[0].body  # plain text: not HTML-escaped

    def test_the_done_page_links_to_the_profile_in_each_community(self, client, world):
        client.force_login(world.per)
        response = client.get(reverse("confirm_done"))
        assert 'href="/bergen/profil/"' in response.text
        assert 'href="/ostfold/profil/"' in response.text

    def test_a_used_link_says_so(self, client, mailoutbox):
        client.post(reverse("register"), registration())
        link = CONFIRM_LINK.search(mailoutbox[0].body).group(1)
        client.post(link)
        client.logout()
        assert problem_of(client.get(link)) == "used"
        assert problem_of(client.post(link)) == "used"
        assert "_auth_user_id" not in client.session

    def test_a_tampered_link_says_it_does_not_work_and_offers_a_new_one(self, client):
        user = pending_user()
        token = confirmation_token_make(user=user)
        tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
        url = reverse("confirm_email", kwargs={"token": tampered})
        response = client.get(url)
        assert problem_of(response) == "invalid"
        assert f'href="{reverse("new_link")}"' in response.text
        assert problem_of(client.post(url)) == "invalid"
        user.refresh_from_db()
        assert user.is_active is False

    def test_a_link_for_another_users_pk_does_not_work(self, client):
        """The signature covers the pk: swapping in someone else's pk breaks it."""
        user, other = pending_user(), pending_user()
        token = confirmation_token_make(user=user)
        forged = f"{other.pk}:{token.split(':', 1)[1]}"
        assert problem_of(client.post(reverse("confirm_email", kwargs={"token": forged}))) == (
            "invalid"
        )
        other.refresh_from_db()
        assert other.is_active is False

    def test_a_token_signed_for_another_purpose_does_not_work(self, client):
        user = pending_user()
        unsalted = signing.TimestampSigner().sign(str(user.pk))
        response = client.get(reverse("confirm_email", kwargs={"token": unsalted}))
        assert problem_of(response) == "invalid"

    def test_an_expired_link_says_so_and_offers_a_new_one(self, client):
        user = pending_user()
        too_old = time.time() - CONFIRM_MAX_AGE.total_seconds() - 60
        with mock.patch("django.core.signing.time.time", return_value=too_old):
            token = confirmation_token_make(user=user)
        url = reverse("confirm_email", kwargs={"token": token})
        response = client.get(url)
        assert problem_of(response) == "expired"
        assert f'href="{reverse("new_link")}"' in response.text
        assert problem_of(client.post(url)) == "expired"
        user.refresh_from_db()
        assert user.is_active is False

    def test_a_link_two_days_old_still_works(self):
        user = pending_user()
        two_days_ago = time.time() - 2 * 24 * 3600
        with mock.patch("django.core.signing.time.time", return_value=two_days_ago):
            token = confirmation_token_make(user=user)
        assert confirmation_user_get(token=token) == user

    def test_an_account_that_has_been_used_cannot_be_confirmed_again(self):
        """A deactivated account that once logged in is not reactivated by an old link."""
        user = pending_user()
        token = confirmation_token_make(user=user)
        user.last_login = user.date_joined
        user.save()
        with pytest.raises(ConfirmationLinkError) as raised:
            confirmation_user_get(token=token)
        assert raised.value.problem == LinkProblem.USED

    def test_an_existing_address_gets_the_same_answer_and_the_rest_by_e_mail(
        self, client, world, mailoutbox
    ):
        """The page never tells whether an address has an account: a new one and an existing
        one are answered alike, and the owner of the existing one is told by e-mail."""
        new = client.post(reverse("register"), registration(email="ny@tilskot.test"))
        existing = client.post(
            reverse("register"),
            registration(email="KARI@tilskot.test", first_name="Kari", last_name="Nordmann"),
        )
        assert (new.status_code, new["Location"]) == (302, reverse("register_done"))
        assert (existing.status_code, existing["Location"]) == (302, reverse("register_done"))
        assert [m.to for m in mailoutbox] == [["ny@tilskot.test"], ["kari@tilskot.test"]]
        told = mailoutbox[1].body
        assert "Adressen har allerede en konto, så ingenting er endret." in told
        assert f"http://testserver{reverse('password_reset')}" in told
        assert User.objects.filter(email__iexact="kari@tilskot.test").count() == 1
        assert not User.objects.get(email="kari@tilskot.test").check_password(PASSWORD)

    def test_an_address_awaiting_confirmation_gets_a_new_link(self, client, mailoutbox):
        user = pending_user()
        response = client.post(reverse("register"), registration(email=user.email))
        assert response["Location"] == reverse("register_done")
        assert "bekrefte e-postadressen" in mailoutbox[-1].body
        assert User.objects.filter(email=user.email).count() == 1

    def test_a_weak_password_is_refused_by_djangos_validators(self, client):
        response = client.post(
            reverse("register"), registration(password1="12345678", password2="12345678")
        )
        assert response.status_code == 200
        codes = {error.code for error in response.context["form"].errors.as_data()["password2"]}
        assert codes == {"password_too_common", "password_entirely_numeric"}
        assert User.objects.count() == 0

    def test_fields_carry_autocomplete_and_the_page_has_no_errors_at_first(self, client):
        response = client.get(reverse("register"))
        html = response.text
        for name, token in [
            ("email", "email"),
            ("first_name", "given-name"),
            ("last_name", "family-name"),
            ("password1", "new-password"),
            ("password2", "new-password"),
        ]:
            tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
            assert f'autocomplete="{token}"' in tag
        assert 'id="error-summary"' not in html

    def test_an_unconfirmed_user_cannot_log_in(self, client):
        user = pending_user(email="ventar@tilskot.test")
        response = client.post(
            reverse("login"), {"username": user.email, "password": "passord-for-test"}
        )
        assert response.status_code == 200
        errors = response.context["form"].errors.as_data()["__all__"]
        assert [error.code for error in errors] == ["invalid_login"]
        assert "_auth_user_id" not in client.session


class TestNewLink:
    def test_a_pending_account_gets_a_new_link_that_works(self, client, mailoutbox):
        user = pending_user(email="ventar@tilskot.test")
        response = client.post(reverse("new_link"), {"email": "Ventar@Tilskot.test"})
        assert response.status_code == 302
        assert response.url == reverse("new_link_done")
        assert [mail.to for mail in mailoutbox] == [["ventar@tilskot.test"]]
        link = CONFIRM_LINK.search(mailoutbox[0].body).group(1)
        assert client.post(link).url == reverse("confirm_done")
        user.refresh_from_db()
        assert user.is_active is True

    @pytest.mark.parametrize("email", ["ukjend@tilskot.test", "per@tilskot.test"])
    def test_answers_the_same_for_unknown_and_active_addresses_and_sends_nothing(
        self, client, world, mailoutbox, email
    ):
        response = client.post(reverse("new_link"), {"email": email})
        assert (response.status_code, response.url) == (302, reverse("new_link_done"))
        assert mailoutbox == []

    def test_an_invalid_address_is_a_form_error(self, client, mailoutbox):
        response = client.post(reverse("new_link"), {"email": "ikkje-ei-adresse"})
        assert response.status_code == 200
        assert list(response.context["form"].errors) == ["email"]
        assert 'href="#id_email"' in response.text
        assert mailoutbox == []


class TestPasswordReset:
    def test_the_mailed_link_lets_you_choose_a_new_password(self, client, world, mailoutbox):
        response = client.post(reverse("password_reset"), {"email": "per@tilskot.test"})
        assert response.status_code == 302
        assert response.url == reverse("password_reset_done")
        assert [mail.to for mail in mailoutbox] == [["per@tilskot.test"]]
        link = RESET_LINK.search(mailoutbox[0].body).group(1)

        form_page = client.get(link, follow=True)
        assert form_page.context["validlink"] is True
        set_password_url = form_page.redirect_chain[-1][0]
        new_password = "Nytt-og-betre-2026"
        done = client.post(
            set_password_url, {"new_password1": new_password, "new_password2": new_password}
        )
        assert done.status_code == 302
        assert done.url == reverse("password_reset_complete")

        world.per.refresh_from_db()
        assert world.per.check_password(new_password)
        assert client.login(email="per@tilskot.test", password=new_password) is True
        client.logout()
        assert client.get(link, follow=True).context["validlink"] is False  # used up

    def test_an_unknown_address_gets_the_same_answer_and_no_mail(self, client, db, mailoutbox):
        response = client.post(reverse("password_reset"), {"email": "ukjend@tilskot.test"})
        assert (response.status_code, response.url) == (302, reverse("password_reset_done"))
        assert mailoutbox == []

    def test_the_login_page_links_to_reset_and_register(self, client, db):
        html = client.get(reverse("login")).text
        assert f'href="{reverse("password_reset")}"' in html
        assert f'href="{reverse("register")}"' in html


class TestProfile:
    def test_anonymous_is_sent_to_log_in(self, client, world):
        response = client.get("/ostfold/profil/")
        assert response.status_code == 302
        assert response.url == f"{reverse('login')}?next=/ostfold/profil/"
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


class TestInvitedWithoutAnAccount:
    """Someone invited as co-applicant who has no account reads what the invitation is, registers
    with the invited address, and lands on the invitation once the address is confirmed."""

    def test_register_from_the_invitation_and_come_back_to_it(self, client, world, mailoutbox):
        with scope(community=world.ostfold):
            application = world.ostfold_round.applications.create(
                owner=world.kari, title="Felles legevakt"
            )
            invitation = application.invitations.create(
                email="ny.medsokar@halden.kommune.no", invited_by=world.kari
            )
        url = reverse(
            "soknad:invitation", kwargs={"community": "ostfold", "token": invitation.token}
        )
        page = client.get(url)
        assert page.status_code == 200
        assert "Felles legevakt" in page.text
        assert "ny.medsokar@halden.kommune.no" in page.text
        register_url = page.context["register_url"]
        assert client.get(register_url).context["form"]["email"].value() == (
            "ny.medsokar@halden.kommune.no"
        )
        client.post(
            register_url,
            registration(email="ny.medsokar@halden.kommune.no", next=url),
        )
        (link,) = re.findall(r"http://testserver(/konto/bekreft/\S+)", mailoutbox[-1].body)
        assert client.get(link).status_code == 200
        confirmed = client.post(link)
        assert confirmed["Location"] == url  # back on the invitation, logged in
        accepted = client.post(url)
        assert accepted.status_code == 302
        with scope(community=world.ostfold):
            assert invitation.__class__.objects.get(pk=invitation.pk).accepted_by.email == (
                "ny.medsokar@halden.kommune.no"
            )

    def test_accepting_asks_to_log_in_and_a_foreign_next_is_ignored(self, client, world):
        with scope(community=world.ostfold):
            application = world.ostfold_round.applications.create(owner=world.kari, title="X")
            invitation = application.invitations.create(email="a@b.no", invited_by=world.kari)
        url = reverse(
            "soknad:invitation", kwargs={"community": "ostfold", "token": invitation.token}
        )
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        page = client.get(reverse("register") + "?next=https://evil.example/&email=a@b.no")
        assert page.context["next"] == ""
