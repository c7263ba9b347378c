"""Who is acting, in Chromium: logging in through ID-porten (the stand-in's own login page, PKCE,
signed tokens) and out again at the provider; a secretariat member without a second factor is
sent to set one up, enrols an authenticator app and gets in with it. axe checks every page."""

import re

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.totp.internal.auth import yield_hotp_counters_from_time as counters
from allauth.socialaccount.models import SocialAccount
from django.core.cache import cache
from playwright.sync_api import expect

from ..oidc.flow import subject_for
from .test_todo_browser import said

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PID = "24048512345"


def code_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(counters()))))


@pytest.fixture
def strong_login_required(settings):
    settings.STAFF_STRONG_LOGIN_REQUIRED = True


def test_id_porten_logs_in_through_its_own_page_and_logging_out_ends_both(
    browse, live_server, world, identity_providers_live, strong_login_required
):
    SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
    page = browse("/konto/logg-inn/")
    page.locator("#provider-idporten").click()

    # The provider's login page: the person, and the level BankID would give.
    expect(page).to_have_url(re.compile(rf"^{re.escape(identity_providers_live.issuer)}/"))
    page.locator("#pid").fill(PID)
    page.locator("#acr").select_option("idporten-loa-substantial")
    page.get_by_role("button", name="Logg inn").click()

    # Back in Tilskot, logged in as the linked account, on Bergen's to-do page (nynorsk); the
    # secretariat's pages open without a second factor, ID-porten was strong enough.
    expect(page).to_have_url(re.compile(r"/bergen/oppgaver/$"))
    name = world.sigrid.first_name
    expect(page.locator("header")).to_contain_text(name)  # her account's menu
    page.goto(page.url.replace("/oppgaver/", "/sekretariat/"))
    expect(page).to_have_url(re.compile(r"/bergen/sekretariat/$"))

    page.locator("header summary").filter(has_text=name).click()  # open her account's menu
    page.locator("header form[action$='/konto/logg-ut/'] button").click()
    # The provider ends its session too and sends the person back to the start page.
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("header")).not_to_contain_text(name)


def test_a_too_low_level_is_refused_with_a_message(browse, world, identity_providers_live):
    SocialAccount.objects.create(user=world.sigrid, provider="idporten", uid=subject_for(PID))
    page = browse("/konto/logg-inn/")
    page.locator("#provider-idporten").click()
    page.locator("#pid").fill(PID)
    page.locator("#acr").select_option("idporten-loa-low")
    page.get_by_role("button", name="Logg inn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(said("nb", "Log-in refused"))
    expect(page.locator("header")).not_to_contain_text(world.sigrid.first_name)


def test_the_secretariat_enrols_an_authenticator_app_and_gets_in_with_it(
    browse, world, strong_login_required
):
    page = browse("/konto/logg-inn/?next=/bergen/sekretariat/")
    page.locator("#id_login").fill("sigrid@tilskot.test")
    page.locator("#id_password").fill("passord-for-test")
    page.locator("main button[type=submit]").click()

    # Refused where a second factor is required: the page explains and offers to set one up,
    # in Bergen's nynorsk (the account pages speak the language of the page asked for).
    expect(page).to_have_url(re.compile(r"/konto/sterk-innlogging/"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        said("nn", "A stronger log-in is needed")
    )
    page.get_by_role("link", name=said("nn", "Set up an authenticator app")).click()

    # allauth asks for the password again before a factor is added.
    page.locator("#id_password").fill("passord-for-test")
    page.locator("main button[type=submit]").click()
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(code_now(secret))
    activate = page.url
    page.locator("main button[type=submit]").click()
    # The enrolment is saved once allauth has answered with its next page (checking the
    # database at once raced the request on a busy machine).
    page.wait_for_url(lambda url: url != activate)
    enrolled = world.sigrid.authenticator_set.filter(type="totp")
    for _ in range(50):  # the live server's thread may still be finishing its transaction
        if enrolled.exists():
            break
        page.wait_for_timeout(100)
    assert enrolled.exists(), (page.url, page.locator("main").inner_text()[:500])

    # Log out and in again: the password, then the code from the app.
    page.goto(page.url.split("/konto/")[0] + "/bergen/sekretariat/")
    expect(page).to_have_url(re.compile(r"/konto/sterk-innlogging/"))
    page.get_by_role("button", name=said("nn", "Log out and log in again with your code")).click()
    cache.clear()  # the code used to enrol may be used again within this test's half minute
    page.locator("#id_login").fill("sigrid@tilskot.test")
    page.locator("#id_password").fill("passord-for-test")
    page.locator("main button[type=submit]").click()
    page.locator("#id_code").fill(code_now(secret))
    page.locator("#id_code").press("Enter")
    expect(page).to_have_url(re.compile(r"/bergen/sekretariat/$"))
