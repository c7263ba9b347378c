"""The public pages: start page, each community's page and a round's page, in the right
language and with deadlines in Europe/Oslo time."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django_scopes import scopes_disabled
from PIL import Image

from .factories import RoundFactory

OSLO = ZoneInfo("Europe/Oslo")
pytestmark = pytest.mark.django_db


def test_start_page_lists_every_community(client, world):
    response = client.get("/")
    assert response.status_code == 200
    assert [c.slug for c in response.context["communities"]] == ["bergen", "ostfold"]
    assert 'href="/bergen/"' in response.text
    assert 'href="/ostfold/"' in response.text


def test_community_page_shows_open_round_with_oslo_deadline(client, world):
    with scopes_disabled():
        round_ = RoundFactory(
            scheme=world.ostfold_round.scheme,
            name="Utlysning høsten",
            opens_at=dt.datetime(2026, 10, 1, 0, 0, tzinfo=OSLO),
            closes_at=dt.datetime(2099, 12, 1, 23, 59, tzinfo=OSLO),  # open whenever the test runs
            budget=9_600_000,
        )
    response = client.get("/ostfold/")
    assert response.status_code == 200
    overview = response.context["schemes"][0]
    assert round_ in overview.open_rounds
    # 23:59 in Oslo is 22:59 UTC in winter; the page shows Norwegian wall-clock time.
    assert "1. desember 2099 kl. 23:59" in response.text
    assert "9\u202f600\u202f000\u00a0kr" in response.text
    assert 'datetime="2099-12-01T23:59:00+01:00"' in response.text


def test_bergen_is_nynorsk_ostfold_bokmal_and_english_on_request(client, world):
    bergen = client.get("/bergen/")
    ostfold = client.get("/ostfold/")
    assert bergen.headers["Content-Language"] == "nn"
    assert '<html lang="nn">' in bergen.text
    assert ostfold.headers["Content-Language"] == "nb"
    assert '<html lang="nb">' in ostfold.text

    client.post(reverse("set_language"), {"language": "en", "next": "/bergen/"})
    english = client.get("/bergen/")
    assert english.headers["Content-Language"] == "en"
    assert '<html lang="en">' in english.text
    # Community texts stay in the community's language and say so.
    assert 'lang="nn">Helsefellesskapet i bergensområdet</h1>' in english.text


def test_unknown_community_is_404(client, world):
    assert client.get("/finst-ikkje/").status_code == 404


def test_round_page(client, world):
    response = client.get(world.bergen_round.get_absolute_url())
    assert response.status_code == 200
    assert response.context["round"] == world.bergen_round


def test_health(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_header_shows_the_community_logo_from_its_data(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    logo_url = reverse("community_logo", kwargs={"community": "bergen"})
    assert client.get(logo_url).status_code == 404  # none uploaded
    assert logo_url not in client.get("/bergen/").text

    png = io.BytesIO()
    Image.new("RGB", (120, 40), (0, 84, 160)).save(png, format="PNG")
    world.bergen.logo.save("saman.png", ContentFile(png.getvalue()))
    response = client.get(logo_url)
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == png.getvalue()
    # Beside the community's name, which says it all: the picture itself has an empty alt.
    assert f'<img src="{logo_url}" alt="">' in client.get("/bergen/").text
    assert client.get(reverse("community_logo", kwargs={"community": "ostfold"})).status_code == 404


def test_the_menu_shows_my_applications_only_to_applicants(client, world):
    mine = f'href="{reverse("soknad:mine", kwargs={"community": "bergen"})}"'
    client.force_login(world.sigrid)  # secretariat in Bergen, no application of her own
    assert mine not in client.get(reverse("community", kwargs={"community": "bergen"})).text
    client.force_login(world.kari)  # applicant in Østfold
    page = client.get(reverse("community", kwargs={"community": "ostfold"}))
    assert f'href="{reverse("soknad:mine", kwargs={"community": "ostfold"})}"' in page.text


def test_a_new_account_is_told_the_next_step(client, world):
    client.force_login(world.per)  # no role anywhere
    page = client.get(reverse("start"))
    assert reverse("profile", kwargs={"community": "bergen"}) in page.text
    client.force_login(world.kari)
    assert reverse("profile", kwargs={"community": "bergen"}) not in client.get("/").text


class TestErrorPagesAreOursInThePagesLanguage:
    """Django's 404, 403 and 500 pages are Tilskot's own, in the language of the page asked for:
    the community's (Bergen: nynorsk) or the person's choice. The test client runs with
    DEBUG off, as production does."""

    def test_a_missing_page_under_bergen_is_not_found_in_nynorsk(self, client, world, settings):
        assert settings.DEBUG is False
        response = client.get("/bergen/finst-ikkje/")
        assert response.status_code == 404
        assert '<html lang="nn">' in response.text
        assert "<h1>Fann ikkje sida</h1>" in response.text
        assert 'class="service-header"' in response.text  # our page, not Django's

    def test_a_missing_object_in_bergen_keeps_the_communitys_header(self, client, world):
        response = client.get(reverse("round", kwargs={"community": "bergen", "round": 99999}))
        assert response.status_code == 404
        assert '<html lang="nn">' in response.text
        assert "<h1>Fann ikkje sida</h1>" in response.text
        assert 'href="/bergen/"' in response.text

    def test_no_access_in_bergen_is_nynorsk_and_english_on_request(self, client, world):
        client.force_login(world.per)  # no role in Bergen
        secretariat = reverse("secretariat", kwargs={"community": "bergen"})
        response = client.get(secretariat)
        assert response.status_code == 403
        assert '<html lang="nn">' in response.text
        assert "<h1>Ingen tilgang</h1>" in response.text

        client.post(reverse("set_language"), {"language": "en", "next": secretariat})
        english = client.get(secretariat)
        assert english.status_code == 403
        assert '<html lang="en">' in english.text
        assert "<h1>No access</h1>" in english.text

    def test_a_server_error_is_our_page_in_the_pages_language(self, client, world, monkeypatch):
        from tilskot import views

        def broken(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(views.RoundView, "get", broken)
        client.raise_request_exception = False
        response = client.get(world.bergen_round.get_absolute_url())
        assert response.status_code == 500
        assert '<html lang="nn">' in response.text
        assert "Tilskot" in response.text
        assert "boom" not in response.text

    def test_the_500_page_renders_without_a_request(self, world):
        from django.template.loader import render_to_string
        from django.utils import translation

        with translation.override("en"):
            page = render_to_string("500.html")  # as Django's server_error does: no request
        assert '<html lang="en">' in page
        assert "<h1>Something went wrong</h1>" in page
        assert 'href="/static/css/tilskot.css"' in page  # looks like every other page
