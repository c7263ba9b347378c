"""Every rules page in the browser: axe on each, nothing wider than a phone, and a nynorsk
error that keeps what was typed."""

import pytest
from django.urls import reverse
from django_scopes import scope
from playwright.sync_api import expect

from tilskot.models import CommitteeSeat, Organisation

from ..factories import ApplicationQuestionFactory
from ..test_rules_pages import settings_pages
from .test_decision_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_rules_page_passes_axe_and_fits_a_phone(browse, live_server, world):
    scheme = world.bergen_round.scheme
    with scope(community=world.bergen):
        ApplicationQuestionFactory(scheme=scheme)
        CommitteeSeat.objects.create(community=world.bergen, title="Leiar", count=2)
        organisation = Organisation.objects.first()
    page = browse("/")
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(
        page, live_server.url, world.sigrid.email, reverse("rules", kwargs={"community": "bergen"})
    )
    urls = [
        *settings_pages(world.bergen),
        reverse("rules_organisations", kwargs={"community": "bergen"}),
        reverse("rules_organisation_add", kwargs={"community": "bergen"}),
        reverse("rules_rounds", kwargs={"community": "bergen", "scheme": scheme.pk}),
        reverse("rules_round_add", kwargs={"community": "bergen", "scheme": scheme.pk}),
        reverse("rules_scheme_add", kwargs={"community": "bergen"}),
        reverse("rules_history", kwargs={"community": "bergen"}),
        reverse("soknad:form_preview", kwargs={"community": "bergen"}),
        reverse("komite:letter_preview", kwargs={"community": "bergen"}),
        reverse("rules", kwargs={"community": "bergen"}),
    ]
    assert organisation is not None
    for url in urls:
        page = browse(url)
        expect(page.locator("h1")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, (url, width)
    # An error, in nynorsk, with the summary on top and what was typed kept.
    page = browse(reverse("rules_community", kwargs={"community": "bergen"}))
    page.locator("#id_reminder_days").fill("sju")
    page.locator("#rules-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#id_reminder_days")).to_have_value("sju")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
