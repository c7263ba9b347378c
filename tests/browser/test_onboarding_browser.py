"""The platform operator onboards a community in the browser: a new community (a mistake
first, then right), a member list with a bad row, then the right one, the import, and the
people page with the secretariat role chosen; axe on every page."""

import re

import pytest
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from tilskot.models import Organisation

from ..test_onboarding import csv_of, new_community_data
from .test_decision_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_operator_onboards_a_community_in_the_browser(browse, live_server, world):
    """Steps are found by ids, not wording."""
    page = browse("/")
    log_in(page, live_server.url, world.admin.email, "/drift/")
    page.locator("#new-community").click()
    expect(page).to_have_url(re.compile(r"/drift/ny/$"))
    for name, value in new_community_data(hospital_trust_org_number="983975268").items():
        if name not in ("payment_route", "national_priorities", "language"):
            page.locator(f"#id_{name}").fill(value.replace("\r\n", "\n"))
    page.locator("#id_payment_route_1").check()
    page.locator("#community-form button[type=submit]").click()
    expect(page.locator("#error-summary a[href='#id_hospital_trust_org_number']")).to_have_count(1)
    expect(page.locator("#id_name")).to_have_value("Helsefellesskapet Agder")
    page.locator("#id_hospital_trust_org_number").fill("983 975 267")
    page.locator("#community-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/agder/regler/medlemmer/import/$"))

    bad = csv_of(("Kristiansand", "963296746", "kommune", "4204"), ("Arendal", "1", "fylke", ""))
    page.locator("#id_file").set_input_files(
        files=[{"name": "medlemmer.csv", "mimeType": "text/csv", "buffer": bad.encode("cp1252")}]
    )
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("table.import-errors tr[data-line='3']")).to_have_count(2)
    good = csv_of(("Kristiansand", "963296746", "kommune", "4204"))
    page.locator("#id_file").set_input_files(
        files=[{"name": "medlemmer.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("table.import-preview tr[data-action='add']")).to_have_count(1)
    page.locator("#import-button").click()
    expect(page).to_have_url(re.compile(r"/agder/personer/\?role=secretariat$"))
    expect(page.locator("#id_role")).to_have_value("secretariat")
    with scopes_disabled():
        assert Organisation.objects.filter(community__slug="agder", kind="municipality").count()
