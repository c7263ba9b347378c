"""Accounts on django-allauth: registration with a confirmed address, log-in and its limits, the
session, staff's strong log-in with a second factor, and the list of recent sign-ins."""

from __future__ import annotations

import re

import allauth.core.internal.ratelimit as ratelimit
import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as counters
from django.core.cache import cache
from django.urls import reverse
from django_scopes import scope

from tilskot.models import User

from .factories import UserFactory

PASSWORD = "passord-for-test"
TOO_MANY = "Too many failed login attempts"


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"  # messages in English, whatever the catalogs
    return client


NEW_PASSWORD = "Ein-lang-og-trygg-frase-2026"


def log_in(client, email: str, password: str = PASSWORD, **headers):
    """Through the log-in form; ``headers`` as the browser sends them (``HTTP_USER_AGENT``)."""
    return client.post(reverse("account_login"), {"login": email, "password": password}, **headers)


def link_in(message) -> str:
    return re.search(r"https?://[^\s]+", message.body).group(0).replace("http://testserver", "")


class TestRegistration:
    def register(self, client, email="ny@tilskot.test", **fields):
        return client.post(
            reverse("account_signup"),
            {
                "email": email,
                "first_name": "Nora",
                "last_name": "Nyhus",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                **fields,
            },
        )

    def test_the_mailed_link_shows_a_button_and_only_the_post_confirms(
        self, client, db, mailoutbox
    ):
        response = self.register(client)
        assert response["Location"] == reverse("account_email_verification_sent")
        user = User.objects.get(email="ny@tilskot.test")
        assert (user.first_name, user.last_name) == ("Nora", "Nyhus")
        (message,) = mailoutbox
        link = link_in(message)

        # A mail scanner opening the link (GET) confirms nothing.
        page = client.get(link)
        assert page.status_code == 200
        assert not EmailAddress.objects.get(email="ny@tilskot.test").verified

        confirmed = client.post(link)
        assert confirmed.status_code == 302
        assert EmailAddress.objects.get(email="ny@tilskot.test").verified

    def test_an_unconfirmed_address_cannot_log_in(self, client, db, mailoutbox):
        self.register(client)
        client.logout()
        response = log_in(client, "ny@tilskot.test", NEW_PASSWORD)
        assert response["Location"] == reverse("account_email_verification_sent")
        assert "_auth_user_id" not in client.session

    def test_an_existing_address_gets_the_same_answer_and_the_rest_by_e_mail(
        self, client, db, mailoutbox
    ):
        UserFactory(email="finst@tilskot.test")
        response = self.register(client, email="finst@tilskot.test")
        assert response["Location"] == reverse("account_email_verification_sent")
        (message,) = mailoutbox
        assert "finst@tilskot.test" in message.to
        assert User.objects.filter(email__iexact="finst@tilskot.test").count() == 1

    def test_a_weak_password_is_refused_and_the_rest_is_kept(self, client, db):
        response = self.register(client, password1="12345678", password2="12345678")
        assert response.status_code == 200
        assert 'id="error-summary"' in response.text
        assert 'value="ny@tilskot.test"' in response.text
        assert not User.objects.filter(email="ny@tilskot.test").exists()

    def test_an_invitation_fills_in_the_invited_address(self, client, db):
        response = client.get(reverse("account_signup") + "?email=invitert@tilskot.test")
        assert 'value="invitert@tilskot.test"' in response.text


class TestPasswordReset:
    def test_the_mailed_link_lets_you_choose_a_new_password(self, client, world, mailoutbox):
        response = client.post(reverse("account_reset_password"), {"email": "per@tilskot.test"})
        assert response["Location"] == reverse("account_reset_password_done")
        (message,) = mailoutbox
        form = client.get(link_in(message), follow=True)
        assert form.status_code == 200
        client.post(
            form.redirect_chain[-1][0] if form.redirect_chain else link_in(message),
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert log_in(client, "per@tilskot.test", NEW_PASSWORD).status_code == 302

    def test_an_unknown_address_gets_the_same_page(self, client, db, mailoutbox):
        response = client.post(reverse("account_reset_password"), {"email": "ukjend@tilskot.test"})
        assert response["Location"] == reverse("account_reset_password_done")


class TestInvitedWithoutAnAccount:
    """Someone invited as co-applicant without an account registers with the invited address
    and, once it is confirmed, lands on the invitation, logged in."""

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
        register_url = page.context["register_url"]
        assert 'value="ny.medsokar@halden.kommune.no"' in client.get(register_url).text
        client.post(
            register_url,
            {
                "email": "ny.medsokar@halden.kommune.no",
                "first_name": "Nils",
                "last_name": "Medsøkar",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )
        link = link_in(mailoutbox[-1])
        confirmed = client.post(link)
        assert confirmed["Location"] == url  # back on the invitation, logged in
        assert client.post(url).status_code == 302
        with scope(community=world.ostfold):
            invitation.refresh_from_db()
        assert invitation.accepted_by.email == "ny.medsokar@halden.kommune.no"

    def test_a_foreign_next_is_ignored(self, client, world):
        response = client.post(
            reverse("account_login") + "?next=https://evil.example/",
            {"login": "per@tilskot.test", "password": PASSWORD, "next": "https://evil.example/"},
        )
        assert response["Location"] == reverse("todo_start")


class TestLogIn:
    def test_logs_in_and_rotates_the_session_key(self, client, world):
        client.get(reverse("account_login"))
        client.session.save()
        before = client.session.session_key
        response = log_in(client, "sigrid@tilskot.test")
        assert response["Location"] == reverse("todo_start")
        assert client.session.session_key != before
        assert client.session["_auth_user_id"] == str(world.sigrid.pk)

    def test_a_wrong_password_says_so_and_keeps_the_address(self, client, world):
        response = log_in(client, "sigrid@tilskot.test", "feil-passord")
        assert response.status_code == 200
        assert 'id="error-summary"' in response.text
        assert 'value="sigrid@tilskot.test"' in response.text

    def test_thirty_wrong_passwords_lock_the_account_until_the_window_passes(
        self, client, world, monkeypatch
    ):
        answers = [log_in(client, "sigrid@tilskot.test", f"feil-{n}") for n in range(30)]
        refused = [a for a in answers if TOO_MANY in a.text]
        # Five tries count as ordinary mistakes; every later one is refused outright.
        assert len(refused) == 25
        assert all(a.status_code == 200 for a in answers)

        # Thirty tries a minute from one address: the next is refused before it is read.
        now = ratelimit.time.time()
        busy = log_in(client, "sigrid@tilskot.test")
        assert busy.status_code == 429
        assert "Too many attempts from your address" in busy.text

        # A minute later: the address may try again, but the account stays locked, also for
        # the right password.
        monkeypatch.setattr(ratelimit.time, "time", lambda: now + 61)
        right = log_in(client, "sigrid@tilskot.test")
        assert TOO_MANY in right.text
        assert "_auth_user_id" not in client.session
        assert log_in(type(client)(), "ola@tilskot.test").status_code == 302  # another person

        # When the five minutes have passed, the right password works again.
        monkeypatch.setattr(ratelimit.time, "time", lambda: now + 5 * 60 + 1)
        assert log_in(client, "sigrid@tilskot.test").status_code == 302

    def test_the_log_out_button_logs_out(self, client, world):
        log_in(client, "sigrid@tilskot.test")
        response = client.post(reverse("account_logout"))
        assert response.status_code == 302
        assert "_auth_user_id" not in client.session


class TestStrongLoginForStaff:
    @pytest.fixture(autouse=True)
    def _required(self, settings):
        settings.STAFF_STRONG_LOGIN_REQUIRED = True

    def secretariat_page(self):
        return reverse("secretariat", kwargs={"community": "bergen"})

    def test_a_password_alone_does_not_open_staff_pages(self, client, world):
        log_in(client, "sigrid@tilskot.test")
        response = client.get(self.secretariat_page())
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("strong_login"))
        page = client.get(response["Location"])
        assert reverse("mfa_activate_totp") in page.text

    def test_an_applicant_needs_no_second_factor(self, client, world):
        log_in(client, "kari@tilskot.test")  # applicant in Østfold
        response = client.get(reverse("todo", kwargs={"community": "ostfold"}))
        assert response.status_code == 200

    def test_enrolling_totp_lets_the_secretariat_in_and_the_next_log_in_asks_for_it(
        self, client, world
    ):
        log_in(client, "sigrid@tilskot.test")
        activate = reverse("mfa_activate_totp")
        # allauth asks for the password again before a factor is added.
        response = client.get(activate)
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        client.post(response["Location"], {"password": PASSWORD})
        page = client.get(activate)
        assert page.status_code == 200
        secret = client.session["mfa.totp.secret"]
        code = format_hotp_value(hotp_value(secret, next(iter(counters()))))
        client.post(activate, {"code": code})
        assert world.sigrid.authenticator_set.filter(type="totp").exists()
        # This session began with the password alone: the page says to log in with the code.
        page = client.get(reverse("strong_login"))
        assert "Log out and log in again" in page.text

        client.post(reverse("account_logout"))
        cache.clear()  # the code just used may be used again in this test
        response = log_in(client, "sigrid@tilskot.test")
        assert response["Location"] == reverse("mfa_authenticate")
        assert client.get(self.secretariat_page()).status_code == 302  # not logged in yet
        client.post(reverse("mfa_authenticate"), {"code": code})
        assert client.get(self.secretariat_page()).status_code == 200


class TestRecentSignIns:
    def test_the_person_sees_their_sessions(self, client, world):
        log_in(client, "sigrid@tilskot.test", HTTP_USER_AGENT="Testlesar/1.0")
        log_in(type(client)(), "sigrid@tilskot.test", HTTP_USER_AGENT="Andre/2.0")
        page = client.get(reverse("usersessions_list"))
        assert page.status_code == 200
        assert "Testlesar/1.0" in page.text
        assert "Andre/2.0" in page.text
