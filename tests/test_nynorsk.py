"""Every page, message and e-mail of Bergen reads in nynorsk: no bokmål-only word anywhere.

- Every URL pattern is opened in nynorsk: the community's pages in Bergen (its own language), with
  objects of Bergen made as ``tests/test_tenancy.py`` makes them, by the superuser (who sees every
  part of every page); the pages outside a community (accounts, the accessibility statement)
  reached from Bergen (``next``), by Bergen's secretariat, and with nynorsk chosen; the admin with
  nynorsk chosen. A POST-only view is posted to, empty, and
  the page it leads to (with its message) is read; a PDF's text is read too. So are Bergen's
  "not found" and "forbidden" pages.
- The e-mails of one application's whole life in Bergen (``tests/test_whole_life.py``), and the
  account e-mails (confirming an address, resetting a password) asked for from Bergen.

What is read is what a person sees or hears: text, and the title, aria-label, placeholder and
alt of elements and the value of buttons; not scripts or styles. Text marked with another
language (``lang="nb"``: a community's own texts, a name in the language switcher, the title of a
regulation) may say anything. The data are the factories' (nynorsk).

The words are bokmål only: each has a different nynorsk form (ikke/ikkje, hva/kva, noen/nokon,
navn/namn ...). A word both written standards share (fra, etter, når, mange, søknaden) is not
on the list. A msgid without a nynorsk translation shows in English, not bokmål: test_i18n.py
finds those.
"""

import io
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib import admin
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled
from pypdf import PdfReader

from .test_tenancy import (
    DEPENDENT_FACTORIES,
    NON_TENANT_URLS,
    OBJECT_FACTORIES,
    PARAM,
    PREPARE_OWN,
    VALUES,
    all_patterns,
    build,
    give_logo,
    make_objects,
    tenant_patterns,
)
from .test_whole_life import life  # noqa: F401 (the fixture)
from .test_whole_life import test_one_application_from_draft_to_closed_grant as whole_life

pytestmark = pytest.mark.django_db

BOKMAL_ONLY = (
    # small words
    "ikke", "hva", "hvordan", "hvorfor", "hvis", "hvilke", "hvilken", "hvilket", "hvem", "hvor",
    "hver", "hvert", "jeg", "noen", "noe", "ennå", "mye", "mer", "sammen", "uten", "dere",
    "deres", "disse", "selv", "være", "vært", "ble", "kommer", "gjøre", "gjør", "allerede",
    "hele", "mens", "egen", "eget", "egne", "hjem", "følgende",
    # nouns and adjectives of the service
    "navn", "uke", "uker", "måned", "måneder", "begrunnelse", "opplysninger", "ansvarlig",
    "tilgjengelig", "mulig", "endelig", "skriftlig",
    # past participles in -et (nynorsk: -a)
    "innvilget", "lagret", "bekreftet", "avsluttet", "opprettet", "endret",
)  # fmt: skip
BOKMAL = re.compile(r"(?<!\w)(" + "|".join(BOKMAL_ONLY) + r")(?!\w)", re.IGNORECASE)

READ_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
BUTTON_TYPES = ("submit", "button", "reset")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


class VisibleText(HTMLParser):
    """The text of a page a person sees or hears, without the parts in another language."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: str | None = None  # the tag whose content is skipped
        self.depth = 0  # nesting of that tag inside itself

    def handle_starttag(self, tag, attrs):
        if self.skipping is not None:
            self.depth += tag == self.skipping
            return
        attributes = dict(attrs)
        language = attributes.get("lang")
        # The page's own language is checked from its header (read()): a page wrongly in
        # bokmål must not hide itself.
        other_language = tag != "html" and language is not None and not language.startswith("nn")
        if tag in ("script", "style", "template") or other_language:
            if tag not in VOID:
                self.skipping, self.depth = tag, 1
            return
        self.parts.extend(attributes[name] or "" for name in READ_ATTRIBUTES if name in attributes)
        if (tag == "input" and attributes.get("type") in BUTTON_TYPES) or tag == "button":
            self.parts.append(attributes.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        if tag in VOID or self.skipping is not None:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if self.skipping == tag:
            self.depth -= 1
            if self.depth == 0:
                self.skipping = None

    def handle_data(self, data):
        if self.skipping is None:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join(" ".join(parser.parts).split())


def bokmal_in(text: str) -> list[str]:
    """Each bokmål word found, with the words around it."""
    return [
        f"«{m.group(0)}» in «…{text[max(m.start() - 50, 0) : m.end() + 50]}…»"
        for m in BOKMAL.finditer(text)
    ]


def pdf_text(content: bytes) -> str:
    """The text of a PDF Tilskot made (a submission, a recommendation, a letter)."""
    pages = PdfReader(io.BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def read(client, url: str) -> tuple[int, list[str]]:
    """Open ``url`` (post to it if it only takes POST) and follow where it leads: the status,
    and the bokmål on the page or PDF it ends on (none read in other downloads or JSON)."""
    response = client.get(url, follow=True)
    if response.status_code == 405:
        response = client.post(url, follow=True)
    # Reading a download to the end closes its file the way the test client expects.
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response.get("Content-Type", "").startswith("application/pdf"):
        return response.status_code, bokmal_in(pdf_text(content))
    if not response.get("Content-Type", "").startswith("text/html"):
        return response.status_code, []
    found = bokmal_in(visible_text(content.decode()))
    if response.get("Content-Language") != "nn":
        found.insert(0, f"the page is in {response.get('Content-Language')!r}")
    return response.status_code, found


def test_the_parser_reads_what_is_seen_and_skips_other_languages():
    html = """<html lang="nn"><head><title>Tittel ikke</title><script>var hva = 1;</script>
      <style>.hvis {}</style></head><body>
      <p>Synleg <span lang="nb">ikke <b>noen</b> <span>hvis</span></span> etter</p>
      <button type="submit" aria-label="Lagre noe">Lagre</button>
      <input type="submit" value="Send hvem"><input type="hidden" value="hver">
      <img src="x.png" alt="bilete av jeg"><option lang="en">Norsk bokmål</option>
      <a href="#" title="hvordan">lenkje</a></body></html>"""
    text = visible_text(html)
    assert text == (
        "Tittel ikke Synleg etter Lagre noe Lagre Send hvem bilete av jeg hvordan lenkje"
    )
    assert visible_text('<html lang="nb"><p>Ikke</p></html>') == "Ikke"
    assert [finding.split("»")[0] for finding in bokmal_in(text)] == [
        "«ikke",
        "«noe",
        "«hvem",
        "«jeg",
        "«hvordan",
    ]
    assert bokmal_in("Søknaden er ikkje sendt frå kommunen etter fristen.") == []


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploads made by the factories


@pytest.mark.parametrize(("route", "name"), tenant_patterns())
def test_every_page_of_bergen_is_nynorsk(client, world, route, name):
    params = [m.group("name") for m in PARAM.finditer(route) if m.group("name") != "community"]
    known = {*OBJECT_FACTORIES, *DEPENDENT_FACTORIES, *VALUES}
    assert not [p for p in params if p not in known], "add a factory in tests/test_tenancy.py"
    with scopes_disabled():
        own = make_objects(world.bergen, params)
        for fragment, prepare in PREPARE_OWN.items():
            if fragment in route and params:
                prepare(world.bergen, own)
    if name == "community_logo":  # a picture, found once there is one
        give_logo(world.bergen)
    client.force_login(world.admin)
    url = build(route, {"community": "bergen", **own})
    status, found = read(client, url)
    assert status == 200, f"{name}: {url} answers {status}"
    assert found == [], f"{name}: {url} has bokmål:\n" + "\n".join(found)


def test_the_error_pages_of_bergen_are_nynorsk(client, world):
    client.force_login(world.per)  # no role anywhere
    for url, expected in (("/bergen/finst-ikkje/", 404), ("/bergen/sekretariat/", 403)):
        status, found = read(client, url)
        assert status == expected, url
        assert found == [], f"{url} has bokmål:\n" + "\n".join(found)


# URL arguments of the pages outside a community: any value shows the page (or its "not found").
OUTSIDE_VALUES = {"key": "ugyldig-nokkel", "uidb36": "1", "pk": 1, "provider_id": "idporten"}


def outside_patterns() -> list[tuple[str, str | None]]:
    return sorted(
        {
            (route, name)
            for route, name, namespace in all_patterns()
            if not route.startswith("<slug:community>/") and namespace != "admin"
        },
        key=str,
    )


def outside_url(route: str, name: str | None) -> str:
    if name is None:  # allauth's redirects from its old addresses: no arguments
        return "/" + route
    arguments = re.findall(r"<(?:[^>:]+:)?([^>]+)>|\(\?P<(\w+)>", route)
    kwargs = {(a or b): OUTSIDE_VALUES[a or b] for a, b in arguments}
    return reverse(name, kwargs=kwargs)


def test_the_pages_outside_a_community_are_all_walked():
    assert {name for _route, name in outside_patterns()} == {*NON_TENANT_URLS, "set_language"}


# Steps of a log-in that started elsewhere: without one under way, allauth sends an anonymous
# visitor to the log-in page and drops their next (nobody comes this way from a community).
DROPS_NEXT = {
    "account_confirm_login_code",
    "mfa_authenticate",
    "socialaccount_signup",
    # allauth's old /social/ addresses, redirected to /3rdparty/ without the query
    "konto/social/connections/",
    "konto/social/login/cancelled/",
    "konto/social/login/error/",
    "konto/social/signup/",
}


@pytest.mark.parametrize("who", ["anonymous from Bergen", "sigrid", "admin choosing nynorsk"])
@pytest.mark.parametrize(("route", "name"), outside_patterns())
def test_every_page_outside_a_community_is_nynorsk(client, world, route, name, who):
    """Reached from a page of Bergen (``next``), by Bergen's secretariat (her one community),
    and by someone who chose nynorsk."""
    url = outside_url(route, name)
    if who == "anonymous from Bergen":
        if (name or route) in DROPS_NEXT:
            pytest.skip("allauth sends this visitor to the log-in page without the next")
        url += "?" + urlencode({"next": "/bergen/"})
    elif who == "sigrid":
        client.force_login(world.sigrid)
    else:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
        client.force_login(world.admin)
    status, found = read(client, url)
    assert status < 500, f"{name}: {url} answers {status}"
    assert found == [], f"{name}: {url} has bokmål:\n" + "\n".join(found)


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_add"))
    return sorted(set(urls))


def test_the_admin_is_nynorsk(client, world):
    """The secretariat edits its community's rules in the admin: in Bergen, in nynorsk."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    client.force_login(world.admin)
    found = {}
    for url in admin_urls():
        status, on_page = read(client, url)
        assert status in (200, 403), f"{url} answers {status}"
        if on_page:
            found[url] = on_page
    assert found == {}


def mail_text(message) -> str:
    html = "".join(content for content, mimetype in message.alternatives if mimetype == "text/html")
    return " ".join([message.subject, message.body, visible_text(html)])


def test_the_e_mails_of_a_whole_life_in_bergen_are_nynorsk(life):  # noqa: F811
    whole_life(life)
    assert len(mail.outbox) > 20
    found = {f"{m.to[0]}: {m.subject}": bokmal_in(mail_text(m)) for m in mail.outbox}
    assert {subject: words for subject, words in found.items() if words} == {}


def test_the_account_e_mails_asked_for_from_bergen_are_nynorsk(client, world):
    form = "application/x-www-form-urlencoded"
    registered = client.post(
        reverse("account_signup"),
        urlencode(
            {
                "email": "ny@tilskot.test",
                "first_name": "Ny",
                "last_name": "Søkjar",
                "password1": "Fjordlandskap-2026",
                "password2": "Fjordlandskap-2026",
                "next": "/bergen/",
            }
        ),
        content_type=form,
    )
    assert registered.status_code == 302
    client.post(
        reverse("account_reset_password") + "?next=/bergen/",
        urlencode({"email": world.sigrid.email}),
        content_type=form,
    )
    assert [m.to for m in mail.outbox] == [["ny@tilskot.test"], [world.sigrid.email]]
    found = {m.subject: bokmal_in(mail_text(m)) for m in mail.outbox}
    assert {subject: words for subject, words in found.items() if words} == {}
