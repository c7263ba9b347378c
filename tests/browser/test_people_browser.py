"""The secretariat runs its community's people on Tilskot's own pages: it invites an address to
the finance role, the invited person opens the link from the e-mail in their own browser, logs
in and accepts, and the secretariat sees them in the table and revokes the role (after
confirming). axe checks every page.

The steps are found by their ids and data attributes, not their wording, so the test holds
whatever the translations say."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from tilskot.roles import Role, forget_roles, has_role

from ..factories import UserFactory
from .test_decision_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PEOPLE = "/bergen/personer/"
LINK = re.compile(r"http://\S+(/bergen/personer/invitasjon/[0-9a-f-]+/)")


def test_the_secretariat_invites_the_person_accepts_and_the_role_is_revoked(
    browse, live_server, world, another_browser
):
    nina = UserFactory(email="nina.berg@bergen.kommune.no", first_name="Nina", last_name="Berg")

    secretariat = browse("/")
    log_in(secretariat, live_server.url, world.sigrid.email, PEOPLE)
    # The breadcrumbs lead back to the secretariat's page (which links here: test_people.py).
    crumbs = secretariat.locator("nav.ds-breadcrumbs")
    expect(crumbs.get_by_role("link", name="Sekretariat")).to_have_attribute(
        "href", "/bergen/sekretariat/"
    )
    expect(crumbs.locator("[aria-current=page]")).to_have_text("Personar og roller")
    holders = secretariat.locator("table.role-holders tbody tr")
    expect(holders.filter(has=secretariat.locator(f'[data-email="{nina.email}"]'))).to_have_count(0)

    secretariat.locator("#id_email").fill(nina.email)
    secretariat.locator("#id_role").select_option(Role.FINANCE.value)
    secretariat.locator("#invite-form button[type=submit]").click()
    expect(secretariat).to_have_url(re.compile(re.escape(PEOPLE) + "$"))
    waiting = secretariat.locator(f'table.role-invitations tr[data-email="{nina.email}"]')
    expect(waiting).to_have_count(1)

    assert [message.to for message in mail.outbox] == [[nina.email]]
    link = LINK.search(mail.outbox[0].body).group(1)

    # Nina opens the link in her own browser: logged out, she logs in and comes back to it.
    invited = another_browser()
    log_in(invited, live_server.url, nina.email, link)
    expect(invited.get_by_text(world.sigrid.email, exact=False)).to_have_count(1)
    invited.locator("#accept-role").click()
    expect(invited).to_have_url(re.compile(r"/bergen/oppgaver/$"))
    assert has_role(nina, world.bergen, Role.FINANCE)

    # The secretariat sees her in the table, the invitation no longer waiting.
    secretariat.goto(f"{live_server.url}{PEOPLE}")
    row = secretariat.locator(f'table.role-holders tr[data-email="{nina.email}"]')
    expect(row.locator(f'li[data-role="{Role.FINANCE.value}"]')).to_have_count(1)
    expect(waiting).to_have_count(0)

    # Revoking asks first; then she is gone from the table, and the history says who did it.
    row.locator(f'li[data-role="{Role.FINANCE.value}"] button.revoke').click()
    expect(secretariat.locator("#confirm-revoke")).to_be_visible()
    secretariat.locator("#confirm-revoke-button").click()
    expect(secretariat).to_have_url(re.compile(re.escape(PEOPLE) + "$"))
    expect(row).to_have_count(0)
    history = secretariat.locator("table.role-changes tbody tr")
    expect(history.first).to_contain_text(nina.email)
    expect(history.first).to_contain_text(str(world.sigrid))
    forget_roles(nina)
    assert not has_role(nina, world.bergen, Role.FINANCE)
