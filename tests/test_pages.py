"""The public pages: start page, each community's page and a round's page, in the right
language and with deadlines in Europe/Oslo time."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

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
