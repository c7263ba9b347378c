"""Every form the URL walk reaches, posted the way an outside tester would: each text field at
its maximum length (in a letter of two bytes), a NUL byte in each, and an id or number too large
for the database in every choice and number. Each answer is a form error or a success, never a
server error. In CI's PostgreSQL run this is what catches a column shorter than its form
field, or a value the database refuses, which SQLite lets through.

The walk is ``test_tenancy``'s: each community URL with its own objects, made by its
factories, as the superuser walker (the responsible applicant of the application in the URL);
then the pages that need more than an object to show their form are prepared here. The closing
line of the run says how many forms, fields and posts were tried.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from komite.models import (
    ConflictDeclaration,
    Membership,
    Recommendation,
    RecommendationItem,
    RoundReview,
)
from soknad.models import Application, BudgetLine
from soknad.rules import STEP_KEYS
from tilskot.models import Community, Round

from .factories import ApplicationFactory, OrganisationFactory, UserFactory
from .test_tenancy import (
    PARAM,
    PREPARE_OWN,
    WALKER,
    build,
    make_objects,
    tenant_patterns,
)
from .utils import close_round

TOO_LARGE = "99999999999999999999"  # beyond a 64-bit integer
TEXT_KINDS = {"text", "search", "email", "tel", "url", "password"}
# A field without a maxlength gets this much (a TextField has no limit of its own).
UNLIMITED = 20_000
LETTER = "Å"  # two bytes in UTF-8: a length check in bytes instead of characters shows


@dataclass
class Field:
    kind: str
    name: str
    value: str = ""
    maxlength: int | None = None
    checked: bool = False
    multiple: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)


@dataclass
class Form:
    action: str
    method: str
    fields: list[Field] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms of a page, with their fields as a browser would send them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            return
        if self._form is None or (not a.get("name") and tag != "option"):
            return
        maxlength = int(a["maxlength"]) if a.get("maxlength", "").isdigit() else None
        if tag == "input":
            self._form.fields.append(
                Field(
                    a.get("type", "text").lower(),
                    a["name"],
                    a.get("value", ""),
                    maxlength,
                    checked="checked" in a,
                )
            )
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._form.fields.append(Field("submit", a["name"], a.get("value", "")))
        elif tag == "textarea":
            self._textarea = Field("textarea", a["name"], "", maxlength)
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field("select", a["name"], multiple="multiple" in a)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._select.options.append((a.get("value", ""), "selected" in a))

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def as_sent(form: Form) -> dict[str, list[str]]:
    """What a browser sends for ``form`` untouched (first choice where nothing is chosen; every
    named submit button, so the furthest-reaching action is taken)."""
    data: dict[str, list[str]] = {}
    radios: dict[str, str] = {}
    for f in form.fields:
        if f.kind in ("file", "image", "reset", "button"):
            continue
        if f.kind == "radio":
            radios.setdefault(f.name, f.value)
            if f.checked:
                radios[f.name] = f.value
        elif f.kind == "checkbox":
            if f.checked:
                data.setdefault(f.name, []).append(f.value)
        elif f.kind == "select":
            chosen = [v for v, selected in f.options if selected]
            data[f.name] = chosen or ([f.options[0][0]] if f.options and not f.multiple else [])
        elif f.kind == "submit":
            data.setdefault(f.name, [f.value])
        else:
            data.setdefault(f.name, []).append(f.value)
    for name, value in radios.items():
        data[name] = [value]
    data.pop("csrfmiddlewaretoken", None)
    return data


def variants(form: Form) -> dict[str, dict[str, list[str]]]:
    base = as_sent(form)
    longest, nul, large = dict(base), dict(base), dict(base)
    for f in form.fields:
        if f.kind in TEXT_KINDS or f.kind == "textarea":
            length = f.maxlength or UNLIMITED
            longest[f.name] = [LETTER * length]
            nul[f.name] = ["før\x00etter"]
        elif f.kind in ("number", "select", "radio", "checkbox") or (
            f.kind == "hidden" and f.value.isdigit()
        ):
            large[f.name] = [TOO_LARGE]
        elif f.kind == "date":
            large[f.name] = ["99999-12-31"]
    return {"longest": longest, "nul": nul, "too large": large}


def text_fields(form: Form) -> int:
    return sum(1 for f in form.fields if f.kind in TEXT_KINDS or f.kind == "textarea")


# --- the states a page needs before it shows its form ------------------------------------------


def _round_of(made: dict) -> Round:
    if "round" in made:
        return Round.objects.get(pk=made["round"])
    return Application.objects.get(pk=made["application"]).round


def _complete(round_: Round, title: str) -> Application:
    """A complete application of ``round_`` by someone else (the walker must not be its party)."""
    application = ApplicationFactory(
        round=round_,
        owner=UserFactory(),
        title=title,
        status=Application.Status.COMPLETE,
        submitted_at=timezone.now(),
        period_start=round_.closes_at.date(),
        period_end=round_.closes_at.date(),
    )
    BudgetLine.objects.create(
        application=application,
        year=2027,
        organisation=OrganisationFactory(community=round_.scheme.community),
        requested_amount=100_000,
    )
    return application


def _under_review(community: Community, made: dict) -> None:
    """The round's complete application scored by the walker, its deadline passed: the
    recommendation can be made."""
    round_ = close_round(_round_of(made))
    walker = UserFactory(email=WALKER)
    application = _complete(round_, "Til innstilling")
    RoundReview.objects.update_or_create(
        round=round_, defaults={"scoring_deadline": round_.closes_at, "opened_at": round_.opens_at}
    )
    member, _ = Membership.objects.get_or_create(
        round=round_, user=walker, defaults={"appointed_by": walker}
    )
    ConflictDeclaration.objects.get_or_create(
        application=application, member=member, defaults={"has_conflict": False}
    )


def _recommended(community: Community, made: dict) -> None:
    """The round's recommendation sent, granting one complete application: the decision body's
    form is open."""
    round_ = _round_of(made)
    recommendation, _ = Recommendation.objects.get_or_create(
        round=round_, defaults={"status": Recommendation.Status.SENT, "sent_at": timezone.now()}
    )
    RecommendationItem.objects.create(
        recommendation=recommendation,
        application=_complete(round_, "Innstilt"),
        order=1,
        grant=True,
        amount=100_000,
    )


def _submitted(community: Community, made: dict) -> None:
    """Submitted: the case page shows the secretariat its screening forms."""
    Application.objects.filter(pk=made["application"]).update(
        status=Application.Status.SUBMITTED, submitted_at=timezone.now()
    )


def _undeclared(community: Community, made: dict) -> None:
    """Complete and open for review, but not declared on yet: the declaration form shows."""
    ConflictDeclaration.objects.filter(application_id=made["application"]).delete()


# By route fragment (``test_tenancy``'s, and more), then by whole route.
PREPARE_FORMS = {
    **PREPARE_OWN,
    "/innstilling/": _under_review,
    "vedtak/runde/": _recommended,
}
PREPARE_ROUTE = {
    "<slug:community>/soknad/<int:application>/": _submitted,
    "<slug:community>/komite/soknad/<int:application>/habilitet/": _undeclared,
}
# The pages whose forms the walk must reach (a form that drops out of the walk is not tried).
PAGES_WITH_FORMS = {
    "step",  # every step of the application
    "application",  # the case page (withdraw, screening) and the committee's scoring
    "declare",
    "committee",
    "recommendation",
    "decision",
    "grant",
    "report",
    "profile",
    "notifications",
    "people",  # invite, withdraw, revoke (the first post asks to confirm)
    "role_invitation",  # accept
}
ACCOUNT_PAGES = ["account_signup", "account_reset_password", "account_login"]


@dataclass
class Tally:
    pages: int = 0
    forms: int = 0
    fields: int = 0
    text_fields: int = 0
    posts: int = 0
    seen: set = field(default_factory=set)


TALLY = Tally()  # printed at the end of the run (conftest.py: pytest_terminal_summary)


def summary() -> str:
    return (
        f"hostile forms: {TALLY.forms} forms on {TALLY.pages} pages, {TALLY.fields} fields "
        f"({TALLY.text_fields} text fields), {TALLY.posts} hostile submissions"
    )


@pytest.fixture
def tally():
    return TALLY


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def try_forms(client, page_url: str, tally: Tally) -> int:
    """Post every form of the page three hostile ways; the number of the page's own forms
    (not the language switch every page has)."""
    response = client.get(page_url)
    if response.streaming:  # a download: read to the end, which closes its file
        b"".join(response.streaming_content)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return 0
    own = 0
    parser = FormParser()
    parser.feed(response.content.decode())
    tally.pages += 1
    for form in parser.forms:
        action = urljoin(page_url, form.action)
        if urlsplit(action).netloc:  # another site: not ours to post to
            continue
        path = urlsplit(action).path
        if path == reverse("account_logout"):
            continue  # it would end the walker's session for the forms after it
        own += path != reverse("set_language")
        key = (PARAM.sub("", path), tuple(sorted({f.name for f in form.fields})), form.method)
        if key not in tally.seen:
            tally.seen.add(key)
            tally.forms += 1
            tally.fields += len({f.name for f in form.fields})
            tally.text_fields += text_fields(form)
        for what, data in variants(form).items():
            send = client.post if form.method == "post" else client.get
            answer = send(path, data)
            if answer.streaming:
                b"".join(answer.streaming_content)
            tally.posts += 1
            assert answer.status_code < 500, f"{what} on {path} ({page_url}): {answer.status_code}"
    return own


@pytest.mark.parametrize(("route", "name"), tenant_patterns())
def test_every_form_answers_hostile_input_without_a_server_error(client, world, tally, route, name):
    params = [m.group("name") for m in PARAM.finditer(route) if m.group("name") != "community"]
    with scopes_disabled():
        made = make_objects(world.bergen, params)
        for fragment, prepare in PREPARE_FORMS.items():
            if fragment in route and params:
                prepare(world.bergen, made)
        if route in PREPARE_ROUTE:
            PREPARE_ROUTE[route](world.bergen, made)
    client.force_login(world.admin)
    # Every step of the application form, not only the first.
    for step in STEP_KEYS if "step" in params else [None]:
        values = {**made, "step": step} if step else made
        forms = try_forms(client, build(route, {"community": "bergen", **values}), tally)
        if name in PAGES_WITH_FORMS:  # a preparation that stops working would skip them silently
            assert forms, f"{name}: {route} shows no form to try"


@pytest.mark.parametrize("name", ACCOUNT_PAGES)
def test_the_account_forms_answer_hostile_input_without_a_server_error(client, world, tally, name):
    assert try_forms(client, reverse(name), tally)


def test_the_parser_reads_what_a_browser_would_send():
    parser = FormParser()
    parser.feed(
        '<form method="post" action="/x/"><input name="a" maxlength="5" value="1">'
        '<input type="checkbox" name="c" value="7" checked><input type="checkbox" name="c" '
        'value="8"><input type="radio" name="r" value="p"><input type="radio" name="r" '
        'value="q"><select name="s"><option value="">–</option><option value="3" selected>'
        'x</option></select><textarea name="t" maxlength="9">hei</textarea>'
        '<input type="file" name="f"><button name="go" value="1">Send</button></form>'
    )
    (form,) = parser.forms
    assert as_sent(form) == {
        "a": ["1"],
        "c": ["7"],
        "r": ["p"],
        "s": ["3"],
        "t": ["hei"],
        "go": ["1"],
    }
    sent = variants(form)
    assert sent["longest"]["a"] == [LETTER * 5]
    assert sent["longest"]["t"] == [LETTER * 9]
    assert sent["nul"]["a"] == ["før\x00etter"]
    assert sent["too large"]["s"] == [TOO_LARGE]
    assert sent["too large"]["c"] == [TOO_LARGE]
