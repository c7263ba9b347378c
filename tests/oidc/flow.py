"""Drives the stand-in's pages over plain HTTP, for tests without a browser.

With Django's test client the app's side runs in-process and the provider's side runs here::

    response = client.post(reverse("openid_connect_login", args=["idporten"]))
    callback = login_via_http(requests.Session(), response["Location"], pid="12345678901")
    response = client.get(callback)  # allauth exchanges the code with the running provider
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from html.parser import HTMLParser
from urllib.parse import urlencode, urljoin, urlsplit

import requests

ACR = {
    "low": "idporten-loa-low",
    "substantial": "idporten-loa-substantial",
    "high": "idporten-loa-high",
}
# Digdir's documented test service for the organisation picker (gives key roles).
ALTINN_TEST_SERVICE = "urn:altinn:resource:2480:40"


class LoginPageError(AssertionError):
    """The provider answered with something other than the next step of a login."""


def subject_for(pid: str) -> str:
    """The ``sub`` the stand-in asserts for ``pid`` (opaque, as ID-porten's)."""
    digest = hashlib.sha256(f"tilskot-oidc-stand-in:{pid}".encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def pkce_pair() -> tuple[str, str]:
    """A PKCE ``(code_verifier, code_challenge)`` for S256."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def altinn_service(resource: str = ALTINN_TEST_SERVICE) -> str:
    """An ``authorization_details`` value asking Ansattporten for representation."""
    return json.dumps([{"type": "ansattporten:altinn:service", "resource": resource}])


def authorize_url(
    authorization_endpoint: str,
    *,
    client_id: str,
    redirect_uri: str,
    code_challenge: str | None,
    state: str,
    nonce: str | None = None,
    scope: str = "openid profile",
    **extra: str,
) -> str:
    """An authorization request URL; ``extra`` adds e.g. ``acr_values``,
    ``authorization_details`` or ``prompt``."""
    params = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "scope": scope,
        "state": state,
        **({"nonce": nonce} if nonce else {}),
        **(
            {"code_challenge": code_challenge, "code_challenge_method": "S256"}
            if code_challenge
            else {}
        ),
        **extra,
    }
    return f"{authorization_endpoint}?{urlencode(params)}"


def login_via_http(
    session: requests.Session,
    authorize_url: str,
    *,
    pid: str,
    acr: str = "substantial",
    given_name: str = "",
    family_name: str = "",
    email: str = "",
    org_number: str = "",
    org_name: str = "",
    cancel: bool = False,
) -> str:
    """Follow ``authorize_url`` through the provider's login page, as a browser would, and
    return the URL the provider sends the browser back to (the client's callback with ``code``
    and ``state``, or ``error``). ``acr`` is ``low``/``substantial``/``high`` or the full value.
    With an ID-porten session already in ``session`` (single sign-on) no page is shown and the
    person fields are not used. ``org_number`` (9 digits) and ``org_name`` need a request with
    ``authorization_details`` (see ``altinn_service``): the page asks for an organisation only
    then, as Ansattporten does. ``cancel`` presses "Avbryt" instead of "Logg inn"."""
    fields = {
        "pid": pid,
        "given_name": given_name,
        "family_name": family_name,
        "email": email,
        "acr": ACR.get(acr, acr),
        "org_number": org_number,
        "org_name": org_name,
        **({"cancel": "yes"} if cancel else {"login": "yes"}),
    }
    return _walk(session, authorize_url, login_fields=fields)


def logout_via_http(session: requests.Session, end_session_url: str) -> str:
    """Follow an RP-initiated logout (``end_session_endpoint`` with ``id_token_hint`` and
    ``post_logout_redirect_uri``) and return where the provider sends the browser back to."""
    return _walk(session, end_session_url, login_fields=None)


def _walk(session: requests.Session, url: str, *, login_fields: dict | None) -> str:
    origin = _origin(url)
    method, data = "GET", None
    logged_in = False
    for _hop in range(20):
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            target = urljoin(url, response.headers["Location"])
            if _origin(target) != origin:
                return target
            url, method, data = target, "GET", None
            continue
        forms = _Forms.parse(response.text)
        login_form = next((form for form in forms if "pid" in form.fields), None)
        if login_form is not None and login_fields is not None and not logged_in:
            if login_fields["org_number"] and "org_number" not in login_form.fields:
                raise LoginPageError(
                    "org_number was given, but the login page asks for no organisation: the "
                    "client must send authorization_details (as for Ansattporten), e.g. "
                    "auth_params {'authorization_details': altinn_service()}"
                )
            url, method = urljoin(url, login_form.action or url), "POST"
            data, logged_in = login_fields, True
            continue
        submitting = next((form for form in forms if form.self_submitting), None)
        if response.status_code == 200 and submitting is not None:
            # oidc-provider's self-submitting forms (logout, switching person) and the logout
            # page, whose button sends logout=yes.
            url, method = urljoin(url, submitting.action or url), "POST"
            data = {**submitting.fields, **submitting.buttons}
            continue
        raise LoginPageError(
            f"{method} {url} answered {response.status_code}:\n{_text(response.text)[:2000]}"
        )
    raise LoginPageError(f"more than 20 steps without leaving {origin}")


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.chunks).split())


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


class _Form:
    def __init__(self, form_id: str, action: str) -> None:
        self.id = form_id
        self.action = action
        self.fields: dict[str, str] = {}
        self.visible = False
        self.buttons: dict[str, str] = {}

    @property
    def self_submitting(self) -> bool:
        return not self.visible


class _Forms(HTMLParser):
    """The forms of a page: their fields, and buttons tied to them by ``form="<id>"``."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self._current: _Form | None = None
        self._orphan_buttons: list[dict] = []
        self._noscript = 0  # the no-JavaScript fallback of a self-submitting form

    @classmethod
    def parse(cls, html: str) -> list[_Form]:
        parser = cls()
        parser.feed(html)
        for button in parser._orphan_buttons:
            for form in parser.forms:
                if form.id == button.get("form") and button.get("name"):
                    form.buttons[button["name"]] = button.get("value", "")
        return parser.forms

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "noscript":
            self._noscript += 1
        elif self._noscript:
            return
        if tag == "form":
            self._current = _Form(attributes.get("id", ""), attributes.get("action", ""))
            self.forms.append(self._current)
        elif tag in {"input", "select", "textarea"} and self._current is not None:
            if attributes.get("name"):
                self._current.fields[attributes["name"]] = attributes.get("value", "")
            if attributes.get("type") != "hidden":
                self._current.visible = True
        elif tag == "button":
            if self._current is not None:
                self._current.visible = True
            elif attributes.get("form"):
                self._orphan_buttons.append(attributes)

    def handle_endtag(self, tag: str) -> None:
        if tag == "noscript":
            self._noscript = max(0, self._noscript - 1)
        elif tag == "form":
            self._current = None
