"""A committee member who becomes a co-applicant is disqualified by the system: she sees the
application flagged, cannot open it to score, and the overview no longer counts her scores.
axe checks every page."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import expect

from komite import services
from komite.models import Membership, RoundReview
from soknad.models import Application, BudgetLine, Invitation
from tilskot.models import Organisation

from ..factories import UserFactory
from .test_decision_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def scores(app, user, value):
    criteria = list(app.round.scheme.criteria.all())
    services.conflict_declare(application=app, user=user, has_conflict=False)
    services.assessment_save(
        application=app,
        user=user,
        submit=True,
        scores={c.pk: (value, None, "") for c in criteria},
    )


def test_a_member_who_becomes_a_co_applicant_is_disqualified(
    browse, live_server, world, another_browser
):
    with scope(community=world.bergen):
        trust = Organisation.objects.get(kind="hospital_trust")
        owner = UserFactory(email="eigar@tilskot.test")
        alfa = Application.objects.create(
            round=world.bergen_round,
            owner=owner,
            title="Felles legevakt",
            responsible_organisation=trust,
            status=Application.Status.COMPLETE,
            submitted_at=timezone.now(),
        )
        BudgetLine.objects.create(
            application=alfa, year=2027, organisation=trust, requested_amount=300_000
        )
        RoundReview.objects.create(
            round=world.bergen_round,
            opened_at=timezone.now(),
            scoring_deadline=timezone.now() + dt.timedelta(days=7),
        )
        tor = UserFactory(email="tor@tilskot.test")
        for user, value in ((world.kari, 5), (tor, 2)):
            Membership.objects.create(
                round=world.bergen_round, user=user, appointed_by=world.sigrid
            )
            scores(alfa, user, value)
        invitation = Invitation.objects.create(
            application=alfa, email=world.kari.email, invited_by=owner
        )
    overview = f"/bergen/komite/runde/{world.bergen_round.pk}/oversikt/"
    secretariat = another_browser()
    log_in(secretariat, live_server.url, world.sigrid.email, overview)
    row = secretariat.locator("table.dashboard tbody tr", has_text="Felles legevakt")
    expect(row).to_contain_text("2 / 2")
    expect(row).to_contain_text("3,5")  # kari's 5 and tor's 2

    page = browse("/")
    log_in(page, live_server.url, world.kari.email, f"/bergen/invitasjon/{invitation.token}/")
    page.get_by_role("button", name="Godta invitasjonen").click()
    page.goto(f"{live_server.url}/bergen/komite/runde/{world.bergen_round.pk}/")
    listed = page.locator("table.review-list tbody tr", has_text="Felles legevakt")
    expect(listed.locator(".party")).to_have_text("Du er part (medsøkar): inhabil")
    expect(listed.get_by_role("link", name="Felles legevakt")).to_have_count(0)
    response = page.goto(f"{live_server.url}/bergen/komite/soknad/{alfa.pk}/")
    assert response.status == 404

    secretariat.reload()
    expect(row).to_contain_text("1 / 1")  # her scores withdrawn, her seat disqualified
    expect(row).to_contain_text("2,0")
    expect(row).not_to_contain_text("3,5")
