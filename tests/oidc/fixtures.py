"""Pytest fixtures for the OIDC stand-in; ``tests/conftest.py`` imports them."""

import pytest

from .flow import altinn_service
from .server import TEST_SERVER, OidcProvider


@pytest.fixture(scope="session")
def oidc_provider():
    """The ID-porten/Ansattporten stand-in, one process for the whole session. Its clients
    ``idporten`` and ``ansattporten`` accept allauth's callbacks on ``http://testserver``."""
    provider = OidcProvider(base_urls=[TEST_SERVER])
    provider.start()
    yield provider
    provider.stop()


@pytest.fixture
def oidc_provider_live(oidc_provider, live_server):
    """The same provider, also accepting callbacks and post-logout redirects on
    ``live_server.url`` (for browser tests)."""
    oidc_provider.allow_base_url(live_server.url)
    return oidc_provider


def app_settings(provider: OidcProvider, acr: str) -> list[dict]:
    """``SOCIALACCOUNT_PROVIDERS``' apps for ID-porten and Ansattporten on the stand-in, as a
    deployment configures them from the environment (Ansattporten asks for representation)."""
    representation = {"authorization_details": altinn_service()}
    return [
        {
            "provider_id": name,
            "name": label,
            "client_id": provider.client(name).client_id,
            "secret": provider.client(name).client_secret,
            "settings": {
                "server_url": provider.issuer,
                "fetch_userinfo": False,
                "token_auth_method": "client_secret_post",
                "scope": ["openid", "profile"],
                "auth_params": {
                    "acr_values": acr,
                    **(representation if name == "ansattporten" else {}),
                },
            },
        }
        for name, label in (("idporten", "ID-porten"), ("ansattporten", "Ansattporten"))
    ]


@pytest.fixture
def identity_providers(settings, oidc_provider):
    """The app offers ID-porten and Ansattporten, both on the stand-in."""
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            **settings.SOCIALACCOUNT_PROVIDERS["openid_connect"],
            "APPS": app_settings(oidc_provider, settings.OIDC_ACR),
        }
    }
    # The log-in form posts to Tilskot, which redirects to the provider: CSP must allow it.
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {
            **directives,
            "form-action": [*directives["form-action"], oidc_provider.issuer],
        },
    }
    return oidc_provider


@pytest.fixture
def identity_providers_live(identity_providers, oidc_provider_live):
    """The same, with callbacks to ``live_server`` (browser tests)."""
    return oidc_provider_live
