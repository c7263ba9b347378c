"""The to-do page is the first page after log-in. The secretariat finds the application waiting
to be screened and goes straight to its screening; a committee member with roles in two
communities chooses Bergen there and finds the declaration waiting, with the round's deadline.
axe checks every page.

Bergen's pages are in nynorsk and the list of communities (no community yet) in bokmål: what
the person reads is taken from the translations themselves, which must be there, so a change
of wording does not break the test and a missing translation does."""

import datetime as dt
import re

import pytest
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, ngettext
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from komite.models import Membership, RoundReview
from soknad.models import Application
from tilskot.roles import Role

from ..factories import ApplicationFactory, SubmissionFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def said(language: str, message: str) -> str:
    """``message`` as a page in ``language`` shows it."""
    with translation.override(language):
        text = gettext(message)
    assert text != message, f"{message!r} is not translated to {language}"
    return text


def counted(language: str, count: int) -> str:
    """The count of things to do beside a community, as the list shows it."""
    with translation.override(language):
        return ngettext("%(counter)s thing to do", "%(counter)s things to do", count) % {
            "counter": count
        }


def log_in(page, email: str) -> None:
    """Through the real form, with no ``next``: where the person lands is Tilskot's choice."""
    page.locator("#id_login").fill(email)
    page.locator("#id_password").fill("passord-for-test")
    page.locator("main button[type=submit]").click()


def test_the_secretariat_lands_on_its_to_do_page_and_goes_to_the_screening(browse, world):
    with scopes_disabled():
        application = ApplicationFactory(
            round=world.bergen_round,
            title="Felles legevakt i Nordhordland",
            status=Application.Status.SUBMITTED,
            submitted_at=timezone.now(),
        )
        SubmissionFactory(application=application)
    screen = said("nn", "Screen the application")

    page = browse("/konto/logg-inn/")
    log_in(page, "sigrid@tilskot.test")
    expect(page).to_have_url(re.compile(r"/bergen/oppgaver/$"))
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.get_by_role("heading", level=1)).to_have_text(said("nn", "To do"))
    item = page.locator("ol.todo-list li").filter(has_text="Felles legevakt i Nordhordland")
    expect(item).to_have_count(1)
    expect(item).to_contain_text(screen)
    expect(item.locator(".todo-role")).to_have_text(said("nn", Role.SECRETARIAT.label))
    item.get_by_role("link", name=screen, exact=True).click()

    # The screening is done on the application's case page, in its "Screening" section.
    expect(page).to_have_url(re.compile(rf"/bergen/soknad/{application.pk}/(#screening)?$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Felles legevakt i Nordhordland")
    expect(page.locator("#screening-heading")).to_have_text(said("nn", "Screening"))
    expect(page.locator("#complete-form")).to_be_visible()


def test_a_committee_member_finds_the_declaration_and_its_deadline(browse, world):
    """Kari is on Bergen's committee and an applicant in Østfold: after log-in she sees both
    communities and how much waits in each, and chooses Bergen."""
    deadline = dt.datetime(2030, 1, 15, 12, 0, tzinfo=timezone.get_current_timezone())
    with scopes_disabled():
        application = ApplicationFactory(
            round=world.bergen_round,
            owner=UserFactory(),
            title="Kvardagsrehabilitering i Askøy",
            status=Application.Status.COMPLETE,
            submitted_at=timezone.now(),
        )
        SubmissionFactory(application=application)
        RoundReview.objects.create(
            round=world.bergen_round, scoring_deadline=deadline, opened_at=timezone.now()
        )
        Membership.objects.create(
            round=world.bergen_round, user=world.kari, appointed_by=world.sigrid
        )
    declare = said("nn", "Declare any conflict of interest")
    with translation.override("nn"):
        shown = said("nn", "deadline %(deadline)s") % {
            "deadline": formats.date_format(timezone.localtime(deadline), "DATETIME_FORMAT")
        }

    page = browse("/konto/logg-inn/")
    log_in(page, "kari@tilskot.test")
    expect(page).to_have_url(re.compile(r"/oppgaver/$"))
    communities = page.locator("ul.todo-communities li")
    expect(communities).to_have_count(2)
    expect(communities.filter(has_text=world.bergen.name)).to_contain_text(counted("nb", 1))
    expect(communities.filter(has_text=world.ostfold.name)).to_contain_text(counted("nb", 0))
    page.get_by_role("link", name=world.bergen.name, exact=True).click()

    expect(page).to_have_url(re.compile(r"/bergen/oppgaver/$"))
    item = page.locator("ol.todo-list li").filter(has_text="Kvardagsrehabilitering i Askøy")
    expect(item).to_contain_text(declare)
    expect(item.locator(".todo-deadline")).to_have_text(shown)
    expect(item.locator(".todo-overdue")).to_have_count(0)
    item.get_by_role("link", name=declare, exact=True).click()

    expect(page).to_have_url(re.compile(rf"/bergen/komite/soknad/{application.pk}/habilitet/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"{said('nn', 'Conflict of interest')}: Kvardagsrehabilitering i Askøy"
    )
