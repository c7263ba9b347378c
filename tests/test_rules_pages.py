"""The community's rules on its secretariat's own pages (issue 14 point 2): every rule of the
four reference communities is shown and posted back unchanged, bad input is refused with what
was typed kept, criteria lock once scoring has begun, what applications used is never deleted,
and only the community's secretariat gets in."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import yaml
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from tilskot import rules
from tilskot.models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    Criterion,
    Organisation,
    PriorityArea,
    ReportQuestion,
    Round,
    Scheme,
    SchemeFunding,
)
from tilskot.reference import load_community_file, reference_files

from .factories import (
    ApplicationFactory,
    ApplicationQuestionFactory,
    OrganisationFactory,
    QuestionAnswerFactory,
    UserFactory,
)
from .utils import assert_queries_do_not_grow

# --- reading a page's form as a browser would submit it -----------------------------------------


class FormReader(HTMLParser):
    """The fields of the form ``id="rules-form"`` as a browser posts them untouched: text,
    hidden and number inputs, checked boxes and radios, each select's selected options (or its
    first), text areas; nothing inside a disabled fieldset, no file inputs."""

    def __init__(self, form_id: str = "rules-form"):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.disabled_depth = 0
        self.fieldset_depth = 0
        self.data: list[tuple[str, str]] = []
        self.select: str | None = None
        self.options: list[tuple[str, bool]] = []
        self.option_value: str | None = None
        self.option_selected = False
        self.option_text = ""
        self.textarea: str | None = None
        self.text = ""
        self.found = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = self.found = True
            return
        if not self.inside:
            return
        if tag == "fieldset":
            self.fieldset_depth += 1
            if "disabled" in attrs and not self.disabled_depth:
                self.disabled_depth = self.fieldset_depth
        if self.disabled_depth or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data.append((name, attrs.get("value", "on")))
                return
            self.data.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self.select, self.options = name, []
        elif tag == "option" and self.select:
            self.option_value = attrs.get("value")
            self.option_selected = "selected" in attrs
            self.option_text = ""
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_endtag(self, tag):
        if not self.inside:
            return
        if tag == "form":
            self.inside = False
        elif tag == "fieldset":
            if self.disabled_depth == self.fieldset_depth:
                self.disabled_depth = 0
            self.fieldset_depth -= 1
        elif tag == "option" and self.select is not None:
            value = self.option_text if self.option_value is None else self.option_value
            self.options.append((value, self.option_selected))
        elif tag == "select" and self.select is not None:
            chosen = [value for value, selected in self.options if selected]
            if not chosen and self.options:
                chosen = [self.options[0][0]]
            self.data.extend((self.select, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = self.text[1:] if self.text.startswith("\n") else self.text
            self.data.append((self.textarea, text))
            self.textarea = None

    def handle_data(self, data):
        if self.textarea is not None:
            self.text += data
        elif self.select is not None and self.option_value is None:
            self.option_text += data


def read_form(html: str, form_id: str = "rules-form") -> dict[str, list[str]]:
    reader = FormReader(form_id)
    reader.feed(html)
    assert reader.found, f"no form #{form_id} on the page"
    data: dict[str, list[str]] = {}
    for name, value in reader.data:
        data.setdefault(name, []).append(value)
    return data


def post_back(client, url: str) -> tuple[object, dict]:
    """GET the page, POST its form back untouched; (the POST's response, what was posted)."""
    page = client.get(url)
    assert page.status_code == 200, url
    data = read_form(page.content.decode())
    return client.post(url, data), data


# --- every rule, to compare before and after --------------------------------------------------

COMMUNITY_FIELDS = [
    f.name
    for f in Community._meta.concrete_fields
    if f.name not in ("id", "logo")  # the logo is a file, kept unless replaced
]


def _rows(queryset, exclude=("id",)):
    model = queryset.model
    names = [f.attname for f in model._meta.concrete_fields if f.name not in exclude]
    return list(queryset.order_by("pk").values_list("pk", *names))


def dump_rules(community: Community) -> dict:
    with scopes_disabled():
        community = Community.objects.get(pk=community.pk)
        schemes = Scheme.objects.filter(community=community)
        return {
            "community": {name: getattr(community, name) for name in COMMUNITY_FIELDS},
            "organisations": _rows(Organisation.objects.filter(community=community)),
            "seats": _rows(CommitteeSeat.objects.filter(community=community)),
            "schemes": _rows(schemes),
            "criteria": _rows(Criterion.objects.filter(scheme__in=schemes)),
            "areas": _rows(PriorityArea.objects.filter(scheme__in=schemes)),
            "questions": _rows(ApplicationQuestion.objects.filter(scheme__in=schemes)),
            "report_questions": _rows(ReportQuestion.objects.filter(scheme__in=schemes)),
            "fundings": _rows(SchemeFunding.objects.filter(scheme__in=schemes)),
            "rounds": _rows(Round.objects.filter(scheme__in=schemes)),
        }


def settings_pages(community: Community) -> list[str]:
    """Every page of the rules with a form to post back."""
    slug = community.slug
    urls = [
        reverse("rules_community", kwargs={"community": slug}),
        reverse("rules_letters", kwargs={"community": slug}),
        reverse("rules_committee", kwargs={"community": slug}),
    ]
    with scopes_disabled():
        for organisation in Organisation.objects.filter(community=community):
            urls.append(
                reverse(
                    "rules_organisation",
                    kwargs={"community": slug, "organisation": organisation.pk},
                )
            )
        for scheme in Scheme.objects.filter(community=community):
            kwargs = {"community": slug, "scheme": scheme.pk}
            urls.extend(
                reverse(name, kwargs=kwargs)
                for name in (
                    "rules_scheme",
                    "rules_criteria",
                    "rules_priorities",
                    "rules_questions",
                    "rules_report_questions",
                    "rules_fundings",
                )
            )
            for round_ in Round.objects.filter(scheme=scheme):
                urls.append(reverse("rules_round", kwargs={"community": slug, "round": round_.pk}))
    return urls


# Values of each reference file that its pages must show (a few, hand-picked from the YAML).
SHOWN = {
    "bergen": ["R-11326", "nivå 2 / kommunalsjefsnivå", "Leiar i områdeutval", "other-funding"],
    "nord": ["Koordineringsutvalg administrert av Helse Nord", "Tilskudd 2026", "2025-10-01"],
    "ostfold": ["Helsefellesskapet Østfold"],
    "innlandet": [],
}


@pytest.mark.parametrize("path", reference_files(), ids=lambda p: p.stem)
def test_every_reference_rule_is_shown_and_posted_back_unchanged(client, db, path):
    result = load_community_file(path)
    community = result.community
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    before = dump_rules(community)
    pages = settings_pages(community)
    shown = ""
    for url in pages:
        response, _data = post_back(client, url)
        assert response.status_code == 302, (url, _errors(response))
        shown += client.get(url).content.decode()
    assert dump_rules(community) == before
    for value in SHOWN.get(path.stem, []):
        assert value in shown, value
    # The index and the history answer too.
    index = client.get(reverse("rules", kwargs={"community": community.slug}))
    assert index.status_code == 200
    assert (
        client.get(reverse("rules_history", kwargs={"community": community.slug})).status_code
        == 200
    )


def _errors(response) -> str:
    text = response.content.decode() if hasattr(response, "content") else ""
    start = text.find("error-summary")
    return text[start : start + 2000] if start >= 0 else text[:500]


def test_every_field_of_the_community_can_be_set(client, world):
    """What the reference files hold is settable: each Community field they name is a field of
    the page (the letter texts on the letters' page)."""
    client.force_login(world.sigrid)
    fields = set()
    for name in ("rules_community", "rules_letters"):
        page = client.get(reverse(name, kwargs={"community": "bergen"}))
        fields |= set(re.findall(r'name="([^"]+)"', page.content.decode()))
    for path in reference_files():
        community = yaml.safe_load(path.read_text(encoding="utf-8"))["community"]
        assert set(community) - {"slug"} <= fields, path.stem


# --- bad input ------------------------------------------------------------------------------


def _summary_and_kept(response, value: str) -> None:
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert value in html


def test_bad_reminder_days_are_refused_and_kept(client, world):
    client.force_login(world.ola)  # Østfold speaks bokmål
    url = reverse("rules_community", kwargs={"community": "ostfold"})
    data = read_form(client.get(url).content.decode())
    data["reminder_days"] = ["sju"]
    response = client.post(url, data)
    _summary_and_kept(response, 'value="sju"')
    assert "14, 3, 1" in response.content.decode()  # the message's example
    with scopes_disabled():
        assert Community.objects.get(slug="ostfold").reminder_days == [14, 3, 1]


def test_bad_input_in_nynorsk_keeps_what_was_typed(client, world):
    client.force_login(world.sigrid)
    url = reverse("rules_letters", kwargs={"community": "bergen"})
    data = read_form(client.get(url).content.decode())
    data["letter_greeting"] = ["x" * 101]
    response = client.post(url, data)
    _summary_and_kept(response, "x" * 101)
    assert 'lang="nn"' in response.content.decode()


def test_a_scale_whose_top_is_not_above_its_bottom_is_refused(client, world):
    client.force_login(world.ola)
    scheme = world.ostfold_round.scheme
    url = reverse("rules_criteria", kwargs={"community": "ostfold", "scheme": scheme.pk})
    data = read_form(client.get(url).content.decode())
    data["rows-0-score_min"], data["rows-0-score_max"] = ["5"], ["3"]
    data["rows-0-title"] = ["Ein ny tittel"]
    response = client.post(url, data)
    _summary_and_kept(response, "Ein ny tittel")
    assert "høyeste" in response.content.decode().lower() or "highest" in response.content.decode()
    with scopes_disabled():
        assert not Criterion.objects.filter(title="Ein ny tittel").exists()


def test_a_deadline_before_the_opening_and_negative_money_are_refused(client, world):
    client.force_login(world.ola)
    scheme = world.ostfold_round.scheme
    url = reverse("rules_round_add", kwargs={"community": "ostfold", "scheme": scheme.pk})
    response = client.post(
        url,
        {
            "name": "Ekstrarunde",
            "opens_at_0": "2027-03-01",
            "opens_at_1": "09:00",
            "closes_at_0": "2027-02-01",
            "closes_at_1": "12:00",
            "budget": "-5",
        },
    )
    _summary_and_kept(response, 'value="Ekstrarunde"')
    html = response.content.decode()
    assert 'value="2027-02-01"' in html
    assert 'value="-5"' in html
    with scopes_disabled():
        assert not Round.objects.filter(name="Ekstrarunde").exists()


def test_a_round_is_read_in_norwegian_time(client, world):
    client.force_login(world.ola)
    scheme = world.ostfold_round.scheme
    url = reverse("rules_round_add", kwargs={"community": "ostfold", "scheme": scheme.pk})
    response = client.post(
        url,
        {
            "name": "Ekstrarunde",
            "opens_at_0": "2027-03-01",
            "opens_at_1": "09:00",
            "closes_at_0": "2027-06-01",
            "closes_at_1": "12:00",
            "budget": "1000000",
            "max_amount": "200000",
            "money_from": str(world.ostfold_round.pk),
        },
    )
    assert response.status_code == 302, _errors(response)
    with scopes_disabled():
        round_ = Round.objects.get(name="Ekstrarunde")
    assert round_.closes_at == dt.datetime(2027, 6, 1, 10, 0, tzinfo=dt.UTC)  # CEST = UTC+2
    assert round_.money_from == world.ostfold_round
    assert "Europe/Oslo" in client.get(url).content.decode()


def test_a_round_cannot_spend_money_of_another_community(client, world):
    client.force_login(world.ola)
    scheme = world.ostfold_round.scheme
    url = reverse("rules_round_add", kwargs={"community": "ostfold", "scheme": scheme.pk})
    response = client.post(
        url,
        {
            "name": "Ekstrarunde",
            "opens_at_0": "2027-03-01",
            "opens_at_1": "09:00",
            "closes_at_0": "2027-06-01",
            "closes_at_1": "12:00",
            "money_from": str(world.bergen_round.pk),
        },
    )
    _summary_and_kept(response, 'value="Ekstrarunde"')


# --- criteria lock ---------------------------------------------------------------------------


def test_locked_criteria_are_shown_with_the_reason_and_not_changed(client, world, monkeypatch):
    reason = "Scoring has begun in Hovudrunde bergen."
    monkeypatch.setattr(rules, "CRITERIA_LOCKS", [lambda scheme: reason])
    client.force_login(world.sigrid)
    scheme = world.bergen_round.scheme
    url = reverse("rules_criteria", kwargs={"community": "bergen", "scheme": scheme.pk})
    page = client.get(url).content.decode()
    assert reason in page
    assert "disabled" in page
    with scopes_disabled():
        before = list(Criterion.objects.filter(scheme=scheme).values_list("title", "score_max"))
    response = client.post(
        url,
        {
            "rows-TOTAL_FORMS": "1",
            "rows-INITIAL_FORMS": "0",
            "rows-0-title": "Ny",
            "rows-0-kind": "scored",
            "rows-0-score_min": "1",
            "rows-0-score_max": "3",
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        after = list(Criterion.objects.filter(scheme=scheme).values_list("title", "score_max"))
    assert after == before
    assert reason in client.get(url).content.decode()


# --- what applications used is never deleted -------------------------------------------------


def test_a_question_with_answers_is_not_deleted(client, world):
    scheme = world.bergen_round.scheme
    with scope(community=world.bergen):
        question = ApplicationQuestionFactory(scheme=scheme, text="Kva har de prøvd før?")
        application = ApplicationFactory(round=world.bergen_round)
        QuestionAnswerFactory(application=application, question=question)
    client.force_login(world.sigrid)
    url = reverse("rules_questions", kwargs={"community": "bergen", "scheme": scheme.pk})
    data = read_form(client.get(url).content.decode())
    data["rows-0-DELETE"] = ["on"]
    response = client.post(url, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert "Kva har de prøvd før?" in html
    with scopes_disabled():
        assert ApplicationQuestion.objects.filter(pk=question.pk).exists()


def test_an_unused_question_is_deleted_and_a_new_one_gets_a_key(client, world):
    scheme = world.bergen_round.scheme
    with scope(community=world.bergen):
        question = ApplicationQuestionFactory(scheme=scheme, text="Gammal")
    client.force_login(world.sigrid)
    url = reverse("rules_questions", kwargs={"community": "bergen", "scheme": scheme.pk})
    data = read_form(client.get(url).content.decode())
    data["rows-0-DELETE"] = ["on"]
    data["rows-1-text"] = ["Korleis held de fram etterpå?"]
    data["rows-1-answer_type"] = ["text"]
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    with scopes_disabled():
        assert not ApplicationQuestion.objects.filter(pk=question.pk).exists()
        new = ApplicationQuestion.objects.get(scheme=scheme)
    assert new.key == "korleis-held-de-fram-etterpa"
    assert new.order == 1


def test_a_priority_area_chosen_by_an_application_is_not_deleted(client, world):
    scheme = world.bergen_round.scheme
    with scope(community=world.bergen):
        area = PriorityArea.objects.get(scheme=scheme)
        area.kind = PriorityArea.Kind.COMMUNITY
        area.save()
        application = ApplicationFactory(round=world.bergen_round)
        application.priority_areas.add(area)
    client.force_login(world.sigrid)
    url = reverse("rules_priorities", kwargs={"community": "bergen", "scheme": scheme.pk})
    data = read_form(client.get(url).content.decode())
    data["rows-0-DELETE"] = ["on"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    with scopes_disabled():
        assert PriorityArea.objects.filter(pk=area.pk).exists()


def test_an_organisation_an_application_names_is_not_deleted(client, world):
    with scope(community=world.bergen):
        application = ApplicationFactory(round=world.bergen_round)
        organisation = application.responsible_organisation
    client.force_login(world.sigrid)
    url = reverse(
        "rules_organisation", kwargs={"community": "bergen", "organisation": organisation.pk}
    )
    response = client.post(url, {"action": "delete"}, follow=True)
    assert response.status_code == 200
    with scopes_disabled():
        assert Organisation.objects.filter(pk=organisation.pk).exists()
    assert organisation.name in response.content.decode()


# --- who gets in, and the history ------------------------------------------------------------


def test_who_may_open_the_rules_pages(client, world):
    scheme = world.bergen_round.scheme
    pages = [
        reverse("rules", kwargs={"community": "bergen"}),
        reverse("rules_history", kwargs={"community": "bergen"}),
        reverse("rules_criteria", kwargs={"community": "bergen", "scheme": scheme.pk}),
        reverse("rules_organisations", kwargs={"community": "bergen"}),
    ]
    for url in pages:
        assert client.get(url).status_code == 302  # to log in
    client.force_login(world.kari)  # Bergen's committee
    for url in pages:
        assert client.get(url).status_code == 403, url
    client.force_login(world.ola)  # Østfold's secretariat: not Bergen's pages
    for url in pages:
        assert client.get(url).status_code == 403, url
    # and Bergen's scheme, round and organisation are not found under Østfold's address
    with scopes_disabled():
        organisation = Organisation.objects.filter(community=world.bergen).first()
    for url in (
        reverse("rules_criteria", kwargs={"community": "ostfold", "scheme": scheme.pk}),
        reverse(
            "rules_round",
            kwargs={"community": "ostfold", "round": world.bergen_round.pk},
        ),
        reverse(
            "rules_organisation", kwargs={"community": "ostfold", "organisation": organisation.pk}
        ),
    ):
        assert client.get(url).status_code == 404, url
    client.force_login(world.sigrid)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_the_history_shows_who_changed_what(client, world):
    world.sigrid.first_name, world.sigrid.last_name = "Sigrid", "Sekretær"
    world.sigrid.save()
    client.force_login(world.sigrid)
    url = reverse("rules_community", kwargs={"community": "bergen"})
    data = read_form(client.get(url).content.decode())
    data["payment_project_number"] = ["R-99999"]
    assert client.post(url, data).status_code == 302
    history = client.get(reverse("rules_history", kwargs={"community": "bergen"}))
    html = history.content.decode()
    assert "Sigrid Sekretær" in html
    assert "R-99999" in html
    # Østfold's history knows nothing of it.
    client.force_login(world.ola)
    assert (
        "R-99999"
        not in client.get(
            reverse("rules_history", kwargs={"community": "ostfold"})
        ).content.decode()
    )


def test_the_secretariat_page_links_to_the_rules(client, world):
    client.force_login(world.sigrid)
    html = client.get(reverse("secretariat", kwargs={"community": "bergen"})).content.decode()
    assert reverse("rules", kwargs={"community": "bergen"}) in html


def test_the_national_priority_areas_are_switched_on_and_off_as_one(client, world):
    scheme = world.ostfold_round.scheme
    client.force_login(world.ola)
    url = reverse("rules_priorities", kwargs={"community": "ostfold", "scheme": scheme.pk})
    data = read_form(client.get(url).content.decode())
    data.pop("national-national", None)
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        national = PriorityArea.objects.filter(scheme=scheme, kind=PriorityArea.Kind.NATIONAL)
        assert not national.exists()
    data = read_form(client.get(url).content.decode())
    data["national-national"] = ["on"]
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        assert national.count() == 11
        chosen = national.first()
    # Chosen by an application, they cannot be taken away; the page says so.
    with scope(community=world.ostfold):
        ApplicationFactory(round=world.ostfold_round).priority_areas.add(chosen)
    data = read_form(client.get(url).content.decode())
    data.pop("national-national")
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'id="error-summary"' in response.content.decode()
    with scopes_disabled():
        assert national.count() == 11


def test_an_organisation_is_added_and_a_bad_one_refused(client, world):
    client.force_login(world.ola)
    url = reverse("rules_organisation_add", kwargs={"community": "ostfold"})
    response = client.post(url, {"kind": "municipality", "name": "Hvaler", "org_number": ""})
    _summary_and_kept(response, 'value="Hvaler"')
    response = client.post(
        url,
        {
            "kind": "municipality",
            "name": "Hvaler",
            "org_number": "964947082",
            "municipality_number": "3110",
            "membership_confirmed": "on",
        },
    )
    assert response.status_code == 302, _errors(response)
    with scopes_disabled():
        hvaler = Organisation.objects.get(name="Hvaler")
    assert hvaler.community == world.ostfold
    # The same municipality number twice in one community is refused on the page.
    response = client.post(
        url, {"kind": "municipality", "name": "Hvaler igjen", "municipality_number": "3110"}
    )
    _summary_and_kept(response, 'value="Hvaler igjen"')
    # Nothing refers to it: it can be deleted.
    edit = reverse("rules_organisation", kwargs={"community": "ostfold", "organisation": hvaler.pk})
    assert client.post(edit, {"action": "delete"}).status_code == 302
    with scopes_disabled():
        assert not Organisation.objects.filter(pk=hvaler.pk).exists()


def test_a_scheme_is_added_and_the_logo_uploaded(client, world):
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    client.force_login(world.ola)
    response = client.post(
        reverse("rules_scheme_add", kwargs={"community": "ostfold"}),
        {"name": "Ei ordning til", "report_due_months": "3"},
    )
    assert response.status_code == 302, _errors(response)
    with scopes_disabled():
        scheme = Scheme.objects.get(name="Ei ordning til")
    assert scheme.community == world.ostfold
    assert response["Location"] == reverse(
        "rules_scheme", kwargs={"community": "ostfold", "scheme": scheme.pk}
    )
    url = reverse("rules_community", kwargs={"community": "ostfold"})
    data = read_form(client.get(url).content.decode())
    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, "PNG")
    data["logo"] = SimpleUploadedFile("logo.png", buffer.getvalue(), content_type="image/png")
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        assert Community.objects.get(slug="ostfold").logo.name.startswith("logo/")
    # Posted back without a file, the logo stays.
    assert post_back(client, url)[0].status_code == 302
    with scopes_disabled():
        assert Community.objects.get(slug="ostfold").logo


def test_rows_keep_the_order_shown(client, world):
    scheme = world.ostfold_round.scheme
    client.force_login(world.ola)
    url = reverse("rules_criteria", kwargs={"community": "ostfold", "scheme": scheme.pk})
    data = read_form(client.get(url).content.decode())
    data["rows-0-DELETE"] = ["on"]
    data["rows-2-title"] = ["Nytt kriterium"]
    data["rows-2-kind"] = ["check"]
    response = client.post(url, data)
    assert response.status_code == 302, _errors(response)
    with scopes_disabled():
        rows = list(Criterion.objects.filter(scheme=scheme).values_list("order", "title"))
    assert [order for order, _title in rows] == [1, 2]
    assert rows[-1][1] == "Nytt kriterium"


# --- lists keep their number of queries however long they grow ----------------------------------


@pytest.mark.parametrize(
    ("page", "grow"),
    [
        (
            "rules_organisations",
            lambda community, k: OrganisationFactory.create_batch(k, community=community),
        ),
        (
            "rules_history",
            lambda community, k: [
                OrganisationFactory(community=community).save() for _ in range(k)
            ],
        ),
        (
            "rules",
            lambda community, k: [
                ApplicationQuestionFactory(scheme=Scheme.objects.get(community=community))
                for _ in range(k)
            ],
        ),
    ],
)
def test_rules_lists_do_not_grow_in_queries(client, world, page, grow):
    client.force_login(world.ola)
    url = reverse(page, kwargs={"community": "ostfold"})

    def fetch():
        response = client.get(url)
        assert response.status_code == 200
        return response

    with scopes_disabled():
        assert_queries_do_not_grow(fetch, lambda k: grow(world.ostfold, k), sizes=(1, 3))
