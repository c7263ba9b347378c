"""The language of a page outside any community (log-in, registration, passwords, the
accessibility statement) and of the messages a view leaves for the next page.

The person's choice wins; otherwise a page outside a community speaks the language of the
community its ``next`` names, else of the one community where the person holds roles, else
bokmål. A message is rendered in the language of the request that made it, not in the default
language MessageMiddleware would render a lazy text in once the request's language has ended.
"""

from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django_scopes import scopes_disabled

from tilskot.middleware import LanguageMiddleware, language_outside_communities

from .factories import ApplicationFactory, SubmittedApplicationFactory, make_grant
from .test_tenancy import _invoice

pytestmark = pytest.mark.django_db

LOGIN = reverse("account_login")


def language_of(response) -> str:
    return response.headers["Content-Language"]


class TestPagesOutsideACommunity:
    @pytest.mark.parametrize(
        ("next_", "language"),
        [
            ("/bergen/", "nn"),
            ("/bergen/runde/1/", "nn"),
            ("/ostfold/", "nb"),
            ("/konto/sterk-innlogging/?next=/bergen/oppgaver/", "nn"),  # its next's next
            ("/finst-ikkje/", "nb"),  # no such community
            ("/konto/email/", "nb"),  # a page outside a community itself
            ("https://evil.example/bergen/", "nb"),  # not a safe next
            ("//evil.example/bergen/", "nb"),
        ],
    )
    def test_the_community_next_names(self, client, world, next_, language):
        response = client.get(LOGIN, {"next": next_})
        assert response.status_code == 200
        assert language_of(response) == language
        assert f'<html lang="{language}">' in response.text

    def test_registration_and_password_pages_from_bergen_are_nynorsk(self, client, world):
        for name in ("account_signup", "account_reset_password"):
            response = client.get(reverse(name), {"next": "/bergen/oppgaver/"})
            assert language_of(response) == "nn", name

    def test_a_refused_log_in_posted_from_bergen_answers_in_nynorsk(self, client, world):
        response = client.post(  # as a browser posts the log-in form
            LOGIN,
            urlencode({"login": "sigrid@tilskot.test", "password": "feil", "next": "/bergen/"}),
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert language_of(response) == "nn"
        with translation.override("nn"):
            assert "Logg inn" in response.text

    def test_the_persons_choice_wins(self, client, world):
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        assert language_of(client.get(LOGIN, {"next": "/bergen/"})) == "en"
        client.force_login(world.sigrid)
        assert language_of(client.get(reverse("account_email"))) == "en"

    @pytest.mark.parametrize(
        ("person", "language"),
        [
            ("sigrid", "nn"),  # secretariat in Bergen only
            ("ola", "nb"),  # secretariat in Østfold only
            ("kari", "nb"),  # roles in Bergen and Østfold: neither
            ("per", "nb"),  # no role anywhere
            ("admin", "nb"),  # a superuser holds no role of a community
        ],
    )
    def test_a_person_with_roles_in_one_community_gets_its_language(
        self, client, world, person, language
    ):
        client.force_login(getattr(world, person))
        for name in ("account_email", "account_change_password", "accessibility", "start"):
            assert language_of(client.get(reverse(name))) == language, name

    def test_next_comes_before_the_persons_one_community(self, client, world):
        client.force_login(world.sigrid)
        assert language_of(client.get(reverse("accessibility"), {"next": "/ostfold/"})) == "nb"

    def test_an_anonymous_request_without_next_asks_the_database_nothing(
        self, world, django_assert_num_queries
    ):
        request = RequestFactory().get(reverse("accessibility"))
        request.user = AnonymousUser()
        with django_assert_num_queries(0):
            assert language_outside_communities(request) is None

    def test_a_next_outside_every_community_asks_the_database_nothing(
        self, world, django_assert_num_queries
    ):
        request = RequestFactory().get(LOGIN, {"next": "/konto/email/"})
        request.user = AnonymousUser()
        with django_assert_num_queries(0):
            assert language_outside_communities(request) is None

    def test_a_missing_page_at_a_communitys_address_is_not_found_in_its_language(
        self, client, world
    ):
        response = client.get("/bergen/finst-ikkje/")
        assert response.status_code == 404
        assert language_of(response) == "nn"
        assert language_of(client.get("/ostfold/finst-ikkje/")) == "nb"
        assert language_of(client.get("/konto/finst-ikkje/")) == "nb"

    def test_pages_inside_a_community_keep_the_communitys_language(self, client, world):
        client.force_login(world.sigrid)  # her one community is Bergen: Østfold stays bokmål
        assert language_of(client.get(reverse("community", kwargs={"community": "ostfold"}))) == (
            "nb"
        )


class TestMessagesSpeakTheRequestsLanguage:
    """ "Søknaden er merket som komplett." came out in bokmål in Bergen and in English sessions."""

    @pytest.fixture
    def application(self, world):
        with scopes_disabled():
            return SubmittedApplicationFactory(round=world.bergen_round)

    def mark_complete(self, client, application) -> list[str]:
        url = reverse(
            "soknad:screen", kwargs={"community": "bergen", "application": application.pk}
        )
        page = client.post(url, {"action": "complete"}, follow=True)
        assert page.status_code == 200
        return [str(message) for message in page.context["messages"]]

    @pytest.mark.parametrize("language", ["nn", "nb", "en"])
    def test_a_screening_message(self, client, world, application, language):
        client.force_login(world.sigrid)
        if language != "nn":  # Bergen's own language needs no choice
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        with translation.override(language):
            expected = translation.gettext("The application is marked complete.")
        assert self.mark_complete(client, application) == [expected]

    def test_a_lazy_message_of_any_view_is_rendered_in_the_requests_language(self, world):
        """MessageMiddleware stores what a view queued after LanguageMiddleware has put the
        request's language away: the middleware renders a lazy text before that."""

        def view(request):
            messages.success(request, gettext_lazy("Saved."))
            return HttpResponse()

        request = RequestFactory().get("/bergen/")
        request.community = world.bergen
        SessionMiddleware(MessageMiddleware(LanguageMiddleware(view)))(request)
        with translation.override("nn"):
            expected = translation.gettext("Saved.")
        assert expected != "Saved."
        assert [m.message for m in request._messages._queued_messages] == [expected]

    @pytest.mark.parametrize("language", ["nn", "en"])
    def test_a_payment_approved_in_bergen(self, client, world, language):
        """The success messages of finance were translated once, when the module was imported."""
        with scopes_disabled():
            grant = make_grant(ApplicationFactory(round=world.bergen_round))
            payment = _invoice(grant.pk)
        client.force_login(world.admin)
        if language != "nn":
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        url = reverse(
            "utbetaling:payment_action",
            kwargs={
                "community": "bergen",
                "grant": grant.pk,
                "payment": payment,
                "action": "godkjenn",
            },
        )
        page = client.post(url, follow=True)
        with translation.override(language):
            expected = translation.gettext("Approved.")
        assert [str(message) for message in page.context["messages"]] == [expected]
