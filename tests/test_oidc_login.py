"""ID-porten and Ansattporten through allauth's OpenID Connect client, against a real provider
(npm oidc-provider, tests/oidc/): PKCE, state, nonce, the security level, the identity kept
without the national identity number, linking an e-mail account once, and logging out at the
provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from tilskot.identity import SESSION_LOGOUT, strong_login
from tilskot.signals import identity_verified

from .oidc.flow import login_via_http, logout_via_http, subject_for

PID = "24048512345"


@pytest.fixture
def providers(identity_providers):
    return identity_providers


@pytest.fixture
def client(client):
    client.cookies["django_language"] = "en"
    return client


def start(client, provider="idporten", **query):
    url = reverse("openid_connect_login", kwargs={"provider_id": provider})
    if query:
        url += "?" + urlencode(query)
    response = client.post(url)
    assert response.status_code == 302
    return response["Location"]


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


class TestAuthorizationRequest:
    def test_asks_with_pkce_s256_state_nonce_and_the_level(self, client, db, providers):
        query = parse_qs(urlsplit(start(client)).query)
        assert query["code_challenge_method"] == ["S256"]
        assert query["code_challenge"][0]
        assert query["state"][0]
        assert query["nonce"][0]
        assert query["acr_values"] == ["idporten-loa-substantial"]


class TestIdPortenLogIn:
    def test_a_new_person_gives_an_e_mail_address_and_the_sub_is_kept_without_the_pid(
        self, client, db, providers
    ):
        callback = login_via_http(
            requests.Session(), start(client), pid=PID, given_name="Ida", family_name="Berg"
        )
        response = client.get(callback_path(callback))
        assert response["Location"] == reverse("socialaccount_signup")
        page = client.get(response["Location"])
        assert 'value="Ida"' in page.text
        client.post(
            reverse("socialaccount_signup"),
            {"email": "ida@tilskot.test", "first_name": "Ida", "last_name": "Berg"},
        )
        account = SocialAccount.objects.get(provider="idporten")
        assert account.uid == subject_for(PID)
        assert PID not in str(account.extra_data)
        assert account.user.email == "ida@tilskot.test"

    def test_an_e_mail_account_is_linked_once_and_then_logs_in_with_id_porten(
        self, client, world, providers
    ):
        client.force_login(world.sigrid)
        callback = login_via_http(requests.Session(), start(client, process="connect"), pid=PID)
        client.get(callback_path(callback))
        assert SocialAccount.objects.get(provider="idporten").user == world.sigrid

        # Another ID-porten person cannot be connected to the same account.
        other = login_via_http(
            requests.Session(), start(client, process="connect"), pid="01017012345"
        )
        refused = client.get(callback_path(other))
        assert refused.status_code == 403
        assert "already connected to another" in refused.text
        assert SocialAccount.objects.filter(user=world.sigrid).count() == 1

        client.post(reverse("account_logout"))
        fresh = type(client)()
        callback = login_via_http(requests.Session(), start(fresh), pid=PID)
        response = fresh.get(callback_path(callback))
        assert response.status_code == 302
        assert fresh.session["_auth_user_id"] == str(world.sigrid.pk)

    def test_a_level_below_substantial_is_refused_and_nothing_is_logged_in(
        self, client, world, providers
    ):
        SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
        callback = login_via_http(requests.Session(), start(client), pid=PID, acr="low")
        response = client.get(callback_path(callback))
        assert response.status_code == 403
        assert "lower security level" in response.text
        assert not logged_in(client)

    def test_a_tampered_state_is_refused(self, client, world, providers):
        SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
        callback = login_via_http(requests.Session(), start(client), pid=PID)
        tampered = callback.replace("state=", "state=x")
        response = client.get(callback_path(tampered))
        assert not logged_in(client)
        assert response.status_code == 401  # allauth's page on a failed log-in

    def test_a_code_used_once_is_refused_the_second_time(self, client, world, providers):
        SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
        callback = login_via_http(requests.Session(), start(client), pid=PID)
        assert client.get(callback_path(callback)).status_code == 302
        assert logged_in(client)

        # An attacker replays the code under a state of their own.
        attacker = type(client)()
        state = parse_qs(urlsplit(start(attacker)).query)["state"][0]
        code = parse_qs(urlsplit(callback).query)["code"][0]
        path = urlsplit(callback).path
        response = attacker.get(f"{path}?{urlencode({'code': code, 'state': state})}")
        assert not logged_in(attacker)
        assert response.status_code == 401

    def test_log_out_ends_the_session_at_the_provider_too(self, client, world, providers):
        SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
        browser = requests.Session()
        callback = login_via_http(browser, start(client), pid=PID)
        client.get(callback_path(callback))
        assert SESSION_LOGOUT in client.session

        response = client.post(reverse("account_logout"))
        assert not logged_in(client)
        end_session = response["Location"]
        assert end_session.startswith(providers.issuer)
        assert "id_token_hint=" in end_session
        back = logout_via_http(browser, end_session)
        assert back.rstrip("/") == "http://testserver"

    def test_log_out_works_when_the_provider_does_not_answer(
        self, client, world, providers, settings
    ):
        SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
        callback = login_via_http(requests.Session(), start(client), pid=PID)
        client.get(callback_path(callback))
        assert logged_in(client)
        apps = settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"]
        for app in apps:
            app["settings"] = {**app["settings"], "server_url": "http://127.0.0.1:9"}  # nobody
        response = client.post(reverse("account_logout"))
        assert response.status_code == 302
        assert response["Location"] == reverse("start")
        assert not logged_in(client)


class TestStrongLoginAndRepresentation:
    def test_id_porten_at_substantial_is_a_strong_log_in(self, client, world, providers, rf):
        SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
        callback = login_via_http(requests.Session(), start(client), pid=PID, acr="high")
        client.get(callback_path(callback))
        request = rf.get("/")
        request.session = client.session
        assert strong_login(request)

    def test_ansattporten_names_the_organisations_the_person_acts_for(
        self, client, world, providers
    ):
        SocialAccount.objects.create(
            user=world.sigrid, provider="ansattporten", uid=subject_for(PID)
        )
        heard = []

        def listen(sender, **kwargs):
            heard.append(kwargs)

        identity_verified.connect(listen)
        try:
            callback = login_via_http(
                requests.Session(),
                start(client, "ansattporten"),
                pid=PID,
                org_number="964338531",
                org_name="Bergen kommune",
            )
            client.get(callback_path(callback))
        finally:
            identity_verified.disconnect(listen)
        (event,) = heard
        assert event["user"] == world.sigrid
        assert event["provider"] == "ansattporten"
        assert event["organisation_numbers"] == ["964338531"]
        assert event["acr"] == "idporten-loa-substantial"
