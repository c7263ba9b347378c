"""The ID-porten/Ansattporten stand-in (tests/oidc/provider.mjs) over plain HTTP, without Django:
the code flow with PKCE through its own login page, ID tokens signed with its published keys,
the level the person chose (not the one asked for), Ansattporten's representation, single
sign-on and logout. allauth's tests and the browser tests build on this."""

import json
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
import requests

from .oidc.flow import (
    LoginPageError,
    altinn_service,
    authorize_url,
    login_via_http,
    logout_via_http,
    pkce_pair,
    subject_for,
)
from .oidc.server import TEST_SERVER

PID = "24917898765"
OTHER_PID = "13856799554"
ORG = "987464291"


@pytest.fixture(scope="module")
def discovery(oidc_provider):
    response = requests.get(oidc_provider.discovery_url, timeout=5)
    response.raise_for_status()
    return response.json()


@pytest.fixture
def agent():
    """One person's browser, as far as the provider sees it: its cookies."""
    with requests.Session() as session:
        yield session


@dataclass
class Flow:
    """One authorization request and what the client keeps to finish it."""

    client_name: str
    url: str
    redirect_uri: str
    verifier: str
    state: str
    nonce: str


def flow(provider, discovery, client_name, *, pkce=True, base_url=TEST_SERVER, **extra) -> Flow:
    verifier, challenge = pkce_pair()
    redirect_uri = provider.redirect_uri(client_name, base_url)
    state, nonce = secrets.token_urlsafe(8), secrets.token_urlsafe(8)
    url = authorize_url(
        discovery["authorization_endpoint"],
        client_id=provider.client(client_name).client_id,
        redirect_uri=redirect_uri,
        code_challenge=challenge if pkce else None,
        state=state,
        nonce=nonce,
        **extra,
    )
    return Flow(client_name, url, redirect_uri, verifier, state, nonce)


def callback_params(flow_: Flow, callback: str) -> dict[str, str]:
    assert callback.split("?")[0] == flow_.redirect_uri
    return {key: values[0] for key, values in parse_qs(urlsplit(callback).query).items()}


def redeem(provider, discovery, flow_: Flow, code: str, *, verifier: str | None = None):
    client = provider.client(flow_.client_name)
    return requests.post(
        discovery["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": flow_.redirect_uri,
            "code_verifier": verifier or flow_.verifier,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
        },
        timeout=5,
    )


def verified_id_token(provider, discovery, flow_: Flow, id_token: str) -> dict:
    key = jwt.PyJWKClient(discovery["jwks_uri"]).get_signing_key_from_jwt(id_token)
    return jwt.decode(
        id_token,
        key.key,
        algorithms=["RS256"],
        audience=provider.client(flow_.client_name).client_id,
        issuer=discovery["issuer"],
    )


def log_in(provider, discovery, agent, flow_: Flow, **person) -> tuple[dict, dict]:
    """Log in through the page and redeem the code: (token response, verified ID token)."""
    params = callback_params(flow_, login_via_http(agent, flow_.url, **person))
    assert params["state"] == flow_.state
    response = redeem(provider, discovery, flow_, params["code"])
    assert response.status_code == 200, response.text
    tokens = response.json()
    return tokens, verified_id_token(provider, discovery, flow_, tokens["id_token"])


def test_discovery_announces_s256_the_levels_and_logout(oidc_provider, discovery):
    assert discovery["issuer"] == oidc_provider.issuer
    assert discovery["code_challenge_methods_supported"] == ["S256"]
    assert discovery["acr_values_supported"] == [
        "idporten-loa-low",
        "idporten-loa-substantial",
        "idporten-loa-high",
    ]
    assert discovery["end_session_endpoint"] == f"{oidc_provider.issuer}/session/end"
    assert "client_secret_post" in discovery["token_endpoint_auth_methods_supported"]
    assert discovery["id_token_signing_alg_values_supported"] == ["RS256"]


def test_idporten_asserts_the_level_the_person_chose_even_below_the_one_asked_for(
    oidc_provider, discovery, agent
):
    login = flow(oidc_provider, discovery, "idporten", acr_values="idporten-loa-high")
    tokens, claims = log_in(
        oidc_provider,
        discovery,
        agent,
        login,
        pid=PID,
        acr="low",
        given_name="Kari",
        family_name="Nordmann",
        email="kari@example.no",
    )
    assert claims["acr"] == "idporten-loa-low"
    assert claims["amr"] == ["TestID"]
    assert claims["pid"] == PID
    assert claims["sub"] == subject_for(PID) != PID
    assert claims["nonce"] == login.nonce
    assert (claims["name"], claims["given_name"], claims["family_name"]) == (
        "Kari Nordmann",
        "Kari",
        "Nordmann",
    )
    assert claims["email"] == "kari@example.no"
    assert "authorization_details" not in claims
    assert "authorization_details" not in tokens
    userinfo = requests.get(
        discovery["userinfo_endpoint"],
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
        timeout=5,
    ).json()
    assert (userinfo["sub"], userinfo["pid"], userinfo["email"]) == (
        subject_for(PID),
        PID,
        "kari@example.no",
    )


def test_the_default_level_is_substantial_and_names_are_left_out_when_not_typed(
    oidc_provider, discovery, agent
):
    _tokens, claims = log_in(
        oidc_provider, discovery, agent, flow(oidc_provider, discovery, "idporten"), pid=PID
    )
    assert claims["acr"] == "idporten-loa-substantial"
    assert claims["pid"] == PID
    assert not {"name", "given_name", "family_name", "email"} & claims.keys()


def test_ansattporten_puts_the_chosen_organisation_in_authorization_details(
    oidc_provider, discovery, agent
):
    login = flow(oidc_provider, discovery, "ansattporten", authorization_details=altinn_service())
    tokens, claims = log_in(
        oidc_provider,
        discovery,
        agent,
        login,
        pid=PID,
        acr="high",
        org_number=ORG,
        org_name="DIGITALISERINGSDIREKTORATET",
    )
    expected = [
        {
            "type": "ansattporten:altinn:service",
            "resource": "urn:altinn:resource:2480:40",
            "resource_name": "Testressurs urn:altinn:resource:2480:40",
            "reportees": [
                {
                    "Rights": ["Read", "Write", "Sign"],
                    "Authority": "iso6523-actorid-upis",
                    "ID": f"0192:{ORG}",
                    "Name": "DIGITALISERINGSDIREKTORATET",
                }
            ],
        }
    ]
    assert claims["authorization_details"] == expected
    assert claims["acr"] == "idporten-loa-high"
    assert claims["pid"] == PID
    assert tokens["authorization_details"] == expected  # in the token response too


def test_ansattporten_altinn_resources_list_authorized_parties_or_none(
    oidc_provider, discovery, agent
):
    details = json.dumps(
        [{"type": "ansattporten:altinn:resource", "resource": "urn:altinn:resource:tilskot"}]
    )
    login = flow(oidc_provider, discovery, "ansattporten", authorization_details=details)
    _tokens, claims = log_in(oidc_provider, discovery, agent, login, pid=PID, org_number=ORG)
    assert claims["authorization_details"][0]["authorized_parties"] == [
        {
            "orgno": {"authority": "iso6523-actorid-upis", "ID": f"0192:{ORG}"},
            "resource": "tilskot",
            "name": f"TESTORGANISASJON {ORG}",
            "unit_type": "AS",
        }
    ]
    login = flow(oidc_provider, discovery, "ansattporten", authorization_details=details)
    _tokens, claims = log_in(oidc_provider, discovery, agent, login, pid=PID)
    assert claims["authorization_details"][0]["authorized_parties"] == []


def test_malformed_authorization_details_are_refused(oidc_provider, discovery, agent):
    login = flow(oidc_provider, discovery, "ansattporten", authorization_details='[{"type": "x"}]')
    params = callback_params(login, login_via_http(agent, login.url, pid=PID))
    assert params["error"] == "invalid_authorization_details"


def test_a_code_is_redeemed_only_once(oidc_provider, discovery, agent):
    login = flow(oidc_provider, discovery, "idporten")
    code = callback_params(login, login_via_http(agent, login.url, pid=PID))["code"]
    assert redeem(oidc_provider, discovery, login, code).status_code == 200
    again = redeem(oidc_provider, discovery, login, code)
    assert (again.status_code, again.json()["error"]) == (400, "invalid_grant")


def test_a_wrong_code_verifier_is_refused(oidc_provider, discovery, agent):
    login = flow(oidc_provider, discovery, "idporten")
    code = callback_params(login, login_via_http(agent, login.url, pid=PID))["code"]
    wrong, _challenge = pkce_pair()
    response = redeem(oidc_provider, discovery, login, code, verifier=wrong)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_an_authorization_request_without_pkce_is_refused(oidc_provider, discovery, agent):
    login = flow(oidc_provider, discovery, "idporten", pkce=False)
    params = callback_params(login, login_via_http(agent, login.url, pid=PID))
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]


def test_the_login_page_explains_a_bad_pid_and_keeps_what_was_typed(
    oidc_provider, discovery, agent
):
    login = flow(oidc_provider, discovery, "idporten")
    page = agent.get(login.url, timeout=5)
    assert page.status_code == 200
    for field in ("pid", "given_name", "family_name", "email", "acr"):
        assert f'<label for="{field}">' in page.text
    assert "Logg inn</button>" in page.text
    assert 'id="org_number"' not in page.text  # no representation asked for
    answer = agent.post(
        page.url,
        data={"pid": "1234", "given_name": "Kari", "acr": "idporten-loa-high", "login": "yes"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert "Fødselsnummeret må ha 11 siffer." in answer.text
    assert 'value="Kari"' in answer.text
    assert '<option value="idporten-loa-high" selected>' in answer.text
    assert 'aria-invalid="true"' in answer.text


def test_avbryt_sends_access_denied_back(oidc_provider, discovery, agent):
    login = flow(oidc_provider, discovery, "idporten")
    params = callback_params(login, login_via_http(agent, login.url, pid=PID, cancel=True))
    assert (params["error"], params["state"]) == ("access_denied", login.state)


def test_idporten_signs_on_once_until_logout(oidc_provider, discovery, agent):
    first = flow(oidc_provider, discovery, "idporten")
    tokens, _claims = log_in(oidc_provider, discovery, agent, first, pid=PID, acr="high")

    # Single sign-on: no page, the first person and level, whatever would have been typed; a
    # scope not asked for before is granted without asking.
    again = flow(oidc_provider, discovery, "idporten", scope="openid profile email")
    _tokens, claims = log_in(oidc_provider, discovery, agent, again, pid=OTHER_PID)
    assert (claims["pid"], claims["acr"]) == (PID, "idporten-loa-high")

    query = urlencode(
        {
            "id_token_hint": tokens["id_token"],
            "post_logout_redirect_uri": "http://testserver/",
            "state": "bye",
        }
    )
    logout = f"{discovery['end_session_endpoint']}?{query}"
    assert logout_via_http(agent, logout) == "http://testserver/?state=bye"

    _tokens, claims = log_in(
        oidc_provider, discovery, agent, flow(oidc_provider, discovery, "idporten"), pid=OTHER_PID
    )
    assert claims["pid"] == OTHER_PID


def test_idporten_asks_again_when_more_than_the_session_level_is_asked_for(
    oidc_provider, discovery, agent
):
    log_in(oidc_provider, discovery, agent, flow(oidc_provider, discovery, "idporten"), pid=PID)
    step_up = flow(oidc_provider, discovery, "idporten", acr_values="idporten-loa-high")
    _tokens, claims = log_in(oidc_provider, discovery, agent, step_up, pid=PID, acr="high")
    assert claims["acr"] == "idporten-loa-high"


def test_ansattporten_has_no_single_sign_on(oidc_provider, discovery, agent):
    log_in(oidc_provider, discovery, agent, flow(oidc_provider, discovery, "ansattporten"), pid=PID)
    _tokens, claims = log_in(
        oidc_provider,
        discovery,
        agent,
        flow(oidc_provider, discovery, "ansattporten"),
        pid=OTHER_PID,
    )
    assert claims["pid"] == OTHER_PID


def test_callbacks_on_another_base_url_are_accepted_once_allowed(oidc_provider, discovery, agent):
    base = "http://localhost:8765"
    redirect_uri = oidc_provider.redirect_uri("idporten", base)
    _verifier, challenge = pkce_pair()
    url = authorize_url(
        discovery["authorization_endpoint"],
        client_id="idporten",
        redirect_uri=redirect_uri,
        code_challenge=challenge,
        state="s",
    )
    refused = agent.get(url, timeout=5)
    assert refused.status_code == 400
    assert "redirect_uri did not match" in refused.text

    oidc_provider.allow_base_url(base)
    callback = login_via_http(agent, url, pid=PID)
    assert callback.startswith(f"{redirect_uri}?code=")


def test_the_live_fixture_accepts_callbacks_on_the_live_server(
    oidc_provider_live, live_server, discovery, agent
):
    login = flow(oidc_provider_live, discovery, "idporten", base_url=live_server.url)
    callback = login_via_http(agent, login.url, pid=PID)
    assert callback.startswith(f"{live_server.url}/konto/oidc/idporten/login/callback/?code=")


def test_an_organisation_needs_a_request_for_representation(oidc_provider, discovery, agent):
    login = flow(oidc_provider, discovery, "ansattporten")
    with pytest.raises(LoginPageError, match="authorization_details"):
        login_via_http(agent, login.url, pid=PID, org_number=ORG)
