"""Who is acting: accounts on django-allauth, ID-porten and Ansattporten over OpenID Connect, and
the strong log-in that staff roles need.

- E-mail and password (the embedded default) are allauth's account app on our templates
  (``templates/account/``, ``templates/allauth/``); ``AccountAdapter`` and
  ``tilskot.forms.NameSignupForm`` hold what differs from allauth's defaults.
- ID-porten and Ansattporten are two apps of allauth's OpenID Connect provider (settings
  ``SOCIALACCOUNT_PROVIDERS``), with our provider class: authorization code flow with PKCE
  (S256), ``state``, a ``nonce`` bound to the log-in, the ID token's signature checked against the
  provider's JWKS, and the security level (``acr``) checked against ``OIDC_ACR``. The ``sub`` is
  the account's uid; the national identity number (``pid``) is dropped unless ``OIDC_STORE_PID``.
- The ID token is kept in the session, so that logging out also ends the session at the
  provider (RP-initiated logout, ``tilskot.views.LogoutView``).
- ``strong_login(request)``: whether this session was opened with a second factor or through an
  identity provider at substantial or high; ``StrongLoginMiddleware`` asks for it where the
  person holds a staff role (``STAFF_STRONG_LOGIN_REQUIRED``).
"""

from __future__ import annotations

import logging
import secrets
from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
)
from allauth.account.signals import user_logged_in
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse

from .roles import STAFF_ROLES, roles_of
from .signals import identity_verified

logger = logging.getLogger(__name__)

ACR_LEVELS = settings.OIDC_ACR_LEVELS  # weakest first
SESSION_ACR = "tilskot_identity_acr"
SESSION_LOGOUT = "tilskot_identity_logout"
SESSION_PENDING_TOKEN = "tilskot_identity_pending_token"  # noqa: S105 (a session key)


def acr_rank(acr: str | None) -> int:
    """The level's place among ``ACR_LEVELS``; -1 for a level Tilskot does not know."""
    return ACR_LEVELS.index(acr) if acr in ACR_LEVELS else -1


def strong_login(request: HttpRequest) -> bool:
    """Whether this session was opened with a second factor, or through ID-porten or
    Ansattporten at substantial or high."""
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY, [])
    if any(record.get("method") == "mfa" for record in records):
        return True
    return acr_rank(request.session.get(SESSION_ACR)) >= acr_rank("idporten-loa-substantial")


def organisation_numbers(claims: dict) -> list[str]:
    """The organisations Ansattporten says the person may act for: the nine-digit numbers in
    ``authorization_details[].reportees[].ID`` (written ``0192:<number>``)."""
    numbers = []
    for detail in claims.get("authorization_details") or []:
        if not isinstance(detail, dict):
            continue
        for reportee in detail.get("reportees") or []:
            if not isinstance(reportee, dict):
                continue
            number = str(reportee.get("ID", "")).rpartition(":")[2]
            if len(number) == 9 and number.isdigit() and number not in numbers:
                numbers.append(number)
    return numbers


# --- E-mail and password ----------------------------------------------------------------------


class AccountAdapter(DefaultAccountAdapter):
    """allauth's defaults; the one place to change how accounts behave."""

    def send_mail(self, template_prefix, email, context):
        # allauth greets "from <site>"; without django.contrib.sites that would be the host name.
        site = SimpleNamespace(name="Tilskot", domain=urlsplit(settings.SITE_URL).netloc)
        return super().send_mail(template_prefix, email, {"current_site": site, **context})


# --- ID-porten and Ansattporten ---------------------------------------------------------------


class IdentityError(Exception):
    """A log-in through an identity provider that Tilskot refuses (the page says why)."""


class NorwegianOIDCAdapter(OpenIDConnectOAuth2Adapter):
    def complete_login(self, request, app, token, **kwargs):
        # Kept in the session for logging out at the provider (id_token_hint), never in the
        # database; ``remember_identity`` takes it once the log-in has gone through.
        request.session[SESSION_PENDING_TOKEN] = {
            "provider": app.provider_id,
            "id_token": kwargs["response"].get("id_token", ""),
        }
        request.session.save()  # allauth reloads the session from the store during the log-in
        return super().complete_login(request, app, token, **kwargs)

    def _decode_id_token(self, app, id_token: str) -> dict:
        # allauth may skip the signature of a token fetched over TLS; we always check it.
        return jwtkit.verify_and_decode(
            credential=id_token,
            keys_url=self.openid_config["jwks_uri"],
            issuer=self.openid_config["issuer"],
            audience=app.client_id,
            lookup_kid=jwtkit.lookup_kid_jwk,
            verify_signature=True,
        )


class NorwegianOIDCProvider(OpenIDConnectProvider):
    """allauth's OpenID Connect provider with a nonce, and without the national identity number
    unless ``OIDC_STORE_PID`` asks for it."""

    oauth2_adapter_class = NorwegianOIDCAdapter
    package = "tilskot.oidc"  # URLs and views that use NorwegianOIDCAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        nonce = secrets.token_urlsafe(24)
        auth_params = kwargs.pop("auth_params", None)
        if auth_params is None:
            auth_params = self.get_auth_params()
        return super().redirect(
            request,
            process,
            next_url,
            data,
            auth_params={**auth_params, "nonce": nonce},
            nonce=nonce,
            **kwargs,
        )

    def sociallogin_from_response(self, request, response):
        if not settings.OIDC_STORE_PID:
            for part in response.values():
                if isinstance(part, dict):
                    part.pop("pid", None)
        return super().sociallogin_from_response(request, response)


def id_token_claims(sociallogin) -> dict:
    return sociallogin.account.extra_data.get("id_token") or {}


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin) -> None:
        """Refuse a log-in whose nonce does not match or whose level is too low; nothing is
        logged in then."""
        claims = id_token_claims(sociallogin)
        provider = sociallogin.account.get_provider()
        if not claims.get("nonce") or claims.get("nonce") != sociallogin.state.get("nonce"):
            logger.warning("%s log-in refused: the nonce does not match", provider.id)
            raise ImmediateHttpResponse(self.refusal(request, provider, problem="nonce"))
        acr = claims.get("acr")
        if acr_rank(acr) < acr_rank(settings.OIDC_ACR):
            logger.info("%s log-in refused: level %s below %s", provider.id, acr, settings.OIDC_ACR)
            raise ImmediateHttpResponse(
                self.refusal(request, provider, problem="acr", acr=acr or "")
            )
        if sociallogin.state.get("process") == "connect" and request.user.is_authenticated:
            linked = request.user.socialaccount_set.filter(provider=provider.sub_id)
            if linked.exclude(uid=sociallogin.account.uid).exists():
                raise ImmediateHttpResponse(self.refusal(request, provider, problem="linked"))
            if not sociallogin.is_existing or sociallogin.user == request.user:
                # Connecting proves who is at the keyboard now, as a log-in would.
                remember_identity(request, request.user, sociallogin)

    def refusal(self, request, provider, *, problem: str, acr: str = ""):
        return render(
            request,
            "socialaccount/refused.html",
            {
                "provider": provider,
                "problem": problem,
                "acr": acr,
                "required": settings.OIDC_ACR,
            },
            status=403,
        )

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        claims = id_token_claims(sociallogin)
        user.first_name = user.first_name or claims.get("given_name", "")
        user.last_name = user.last_name or claims.get("family_name", "")
        return user

    def is_email_verified(self, provider, email) -> bool:
        # Neither ID-porten nor Ansattporten vouches for an e-mail address.
        return False


@receiver(user_logged_in)
def identity_on_login(sender, request, user, sociallogin=None, **kwargs) -> None:
    request.session.pop(SESSION_ACR, None)
    request.session.pop(SESSION_LOGOUT, None)
    if sociallogin is not None:
        remember_identity(request, user, sociallogin)


def remember_identity(request, user, sociallogin) -> None:
    """After a log-in through an identity provider (or connecting one): keep its level and ID
    token in the session, and tell the stages which organisations Ansattporten says the person
    may act for."""
    claims = id_token_claims(sociallogin)
    provider = sociallogin.account.provider
    request.session[SESSION_ACR] = claims.get("acr", "")
    pending = request.session.pop(SESSION_PENDING_TOKEN, None) or {}
    if pending.get("provider") == provider and pending.get("id_token"):
        request.session[SESSION_LOGOUT] = pending
    identity_verified.send(
        sender=SocialAccountAdapter,
        user=user,
        provider=provider,
        organisation_numbers=organisation_numbers(claims),
        acr=claims.get("acr", ""),
    )


def provider_end_session_url(request, *, provider: str, id_token: str) -> str:
    """The provider's end-session endpoint with ``id_token_hint`` and the way back; "" when the
    provider is no longer configured or announces no such endpoint."""
    try:
        oidc = get_social_adapter(request).get_provider(request, provider)
        endpoint = oidc.get_oauth2_adapter(request).openid_config.get("end_session_endpoint")
    except (SocialApp.DoesNotExist, requests.RequestException, ValueError):
        # Removed since the log-in, or not answering: the person is logged out here all the same.
        logger.warning(
            "log-out at %s skipped: the provider is not configured or not answering", provider
        )
        return ""
    if not endpoint:
        return ""
    back = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": back})
    return f"{endpoint}?{query}"


# --- Strong log-in for staff ------------------------------------------------------------------


class StrongLoginMiddleware:
    """Inside a community where the person holds a staff role, a session without a second factor
    (or an identity provider's substantial or high) goes to the page that explains how to get
    one. Pages outside the communities (accounts, second factors, log-out) stay open."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.STAFF_STRONG_LOGIN_REQUIRED
            and getattr(request, "community", None) is not None
            and request.user.is_authenticated
            and roles_of(request.user, request.community) & STAFF_ROLES
            and not strong_login(request)
        ):
            return redirect_to_strong_login(request)
        return self.get_response(request)


def redirect_to_strong_login(request) -> HttpResponseRedirect:
    path = reverse("strong_login")
    if request.method == "GET":
        path += "?" + urlencode({"next": request.get_full_path()})
    return redirect(path)
