"""django-allauth in nynorsk. allauth ships bokmål but no nynorsk, so in a nynorsk session
(Bergen) its pages, messages, form labels and e-mails would fall back to the default language,
bokmål (or to English where allauth's bokmål lacks a text). Our translation of its texts is
``locale_vendor/nn/LC_MESSAGES/django.po``, listed after ``locale/`` in LOCALE_PATHS. Checked:
(a) the catalog is whole and safe to format, (b) allauth's own strings come out in nynorsk,
(c) its pages in a nynorsk session show allauth's sentences in nynorsk, none in English.

The texts checked here are allauth's msgids, never the project's own (the lead translates those
into ``locale/`` at the end).
"""

import html
import re
from collections import Counter
from pathlib import Path

import allauth
import polib
import pytest
from allauth.account.adapter import get_adapter
from allauth.account.forms import LoginForm
from allauth.account.models import EmailAddress, EmailConfirmationHMAC
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from .factories import UserFactory

VENDOR = Path(settings.BASE_DIR) / "locale_vendor"
CATALOG = VENDOR / "nn" / "LC_MESSAGES" / "django.po"
# allauth's own catalog is the list of its msgids (bokmål: the language nearest nynorsk).
ALLAUTH_CATALOG = Path(allauth.__file__).parent / "locale" / "nb" / "LC_MESSAGES" / "django.po"

NAMED = re.compile(r"%\(\w+\)[sdif]|\{\w*\}")
POSITIONAL = re.compile(r"(?<!%)%[sdif]")


def vendor() -> polib.POFile:
    return polib.pofile(str(CATALOG))


def key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def placeholders(text: str) -> tuple[set[str], Counter]:
    """The named placeholders (``%(name)s``, ``{name}``) and how many positional ones."""
    return set(NAMED.findall(text)), Counter(POSITIONAL.findall(text))


def edges(text: str) -> tuple[bool, bool]:
    """Whether a text starts and ends with a line break (as msgfmt -c checks)."""
    return text.startswith("\n"), text.endswith("\n")


# --- (a) the catalog -------------------------------------------------------------------------


def test_the_vendor_catalog_follows_the_project_catalog():
    """Our own catalog wins where both have a msgid ("Forgot your password?")."""
    paths = [Path(path) for path in settings.LOCALE_PATHS]
    assert paths.index(Path(settings.BASE_DIR) / "locale") < paths.index(VENDOR)


def test_every_entry_is_translated_and_none_is_fuzzy():
    catalog = vendor()
    assert catalog.metadata["Language"] == "nn"
    assert catalog.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert [e.msgid for e in catalog.untranslated_entries()] == []
    assert [e.msgid for e in catalog.fuzzy_entries()] == []
    assert [e.msgid for e in catalog.obsolete_entries()] == []
    for entry in catalog:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid
            assert all(text.strip() for text in entry.msgstr_plural.values()), entry.msgid
        else:
            assert entry.msgstr.strip(), entry.msgid


def test_every_placeholder_of_a_msgid_is_in_its_translation():
    """A placeholder lost or misspelt would be a KeyError or a missing address at run time."""
    wrong = []
    for entry in vendor():
        if entry.msgid_plural:
            pairs = [
                (entry.msgid, entry.msgstr_plural[0]),
                (entry.msgid_plural, entry.msgstr_plural[1]),
            ]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for english, nynorsk in pairs:
            if placeholders(english) != placeholders(nynorsk) or edges(english) != edges(nynorsk):
                wrong.append((english, nynorsk))
    assert wrong == []


def test_the_catalog_has_every_msgid_of_the_installed_allauth():
    """After an allauth upgrade this names the texts to translate (or drop) in locale_vendor."""
    ours = {key(e) for e in vendor()}
    theirs = {key(e) for e in polib.pofile(str(ALLAUTH_CATALOG)) if not e.obsolete}
    assert sorted(theirs - ours, key=str) == [], "new allauth texts: translate them"
    assert sorted(ours - theirs, key=str) == [], "allauth no longer has these texts"


def test_the_compiled_catalog_is_current():
    """Tilskot reads the .mo: ``manage.py compile_catalogs`` (``make install``) writes it."""
    mo = CATALOG.with_suffix(".mo")
    assert mo.exists(), "run `manage.py compile_catalogs`"
    compiled = {key(e): (e.msgstr, e.msgstr_plural) for e in polib.mofile(str(mo)) if e.msgid}
    source = {key(e): (e.msgstr, e.msgstr_plural) for e in vendor()}
    assert compiled == source, "run `manage.py compile_catalogs`"


# --- (b) allauth's own strings ------------------------------------------------------------------


def allauth_msgid(msgid: str) -> str:
    """A template text of allauth's, checked to be one (so a renamed text fails here)."""
    assert any(e.msgid == msgid for e in polib.pofile(str(ALLAUTH_CATALOG)))
    return msgid


class TestAllauthStringsInNynorsk:
    @pytest.fixture(autouse=True)
    def _nynorsk(self):
        with translation.override("nn"):
            yield

    def test_the_error_for_a_wrong_e_mail_or_password(self):
        assert str(get_adapter().error_messages["email_password_mismatch"]) == (
            "E-postadressa eller passordet du skreiv inn, er feil."
        )

    def test_too_many_failed_log_ins(self):
        assert str(get_adapter().error_messages["too_many_login_attempts"]) == (
            "For mange mislukka innloggingsforsøk. Prøv igjen seinare."
        )

    def test_the_log_in_form_labels(self):
        form = LoginForm()
        assert str(form.fields["remember"].label) == "Hugs meg"
        assert str(form.fields["password"].label) == "Passord"
        assert pgettext("field label", "Login") == "Innlogging"

    def test_the_totp_activation_title(self):
        assert gettext(allauth_msgid("Activate Authenticator App")) == (
            "Ta i bruk autentiseringsapp"
        )

    def test_the_e_mail_confirmation_text(self):
        msgid = allauth_msgid(
            'Please confirm that <a href="mailto:%(email)s">%(email)s</a> is an email address '
            "for user %(user_display)s."
        )
        assert gettext(msgid) % {"email": "ola@bergen.kommune.no", "user_display": "Ola"} == (
            'Stadfest at <a href="mailto:ola@bergen.kommune.no">ola@bergen.kommune.no</a> er ei '
            "e-postadresse som høyrer til brukaren Ola."
        )

    def test_plural_forms(self):
        singular = allauth_msgid("You have added %(count)s security key.")
        plural = "You have added %(count)s security keys."
        assert ngettext(singular, plural, 1) % {"count": 1} == (
            "Du har lagt til 1 sikkerheitsnøkkel."
        )
        assert ngettext(singular, plural, 3) % {"count": 3} == (
            "Du har lagt til 3 sikkerheitsnøklar."
        )

    def test_bokmål_and_english_are_untouched(self):
        with translation.override("nb"):
            assert str(LoginForm().fields["remember"].label) == "Husk meg"  # allauth's own
        with translation.override("en"):
            assert str(LoginForm().fields["remember"].label) == "Remember Me"


# --- (c) allauth's pages in a nynorsk session ----------------------------------------------------


def main_text(response) -> str:
    """The visible text of the page's <main>, tags dropped and white space collapsed."""
    assert response.status_code == 200, response.status_code
    main = re.search(r"<main\b.*?</main>", response.content.decode(), re.S)
    assert main, "the page has no <main>"
    text = html.unescape(re.sub(r"<[^>]+>", " ", main.group(0)))
    return re.sub(r"\s+", " ", text)


def assert_nynorsk(text: str, *, english: list[str], nynorsk: list[str]) -> None:
    assert [sentence for sentence in english if sentence in text] == [], text
    assert [sentence for sentence in nynorsk if sentence not in text] == [], text


@pytest.fixture
def nn_client(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nn"
    return client


# (url name, English texts of allauth that must be gone, nynorsk that must be there)
ANONYMOUS_PAGES = [
    (
        "account_signup",
        ["Already have an account?", "Sign Up", "Password (again)"],
        ["Har du allereie ein konto? Då kan du", "Registrer deg", "Gjenta passordet"],
    ),
    (
        "account_reset_password",
        [
            "Forgotten your password?",
            "Reset My Password",
            "Please contact us if you have any trouble resetting your password.",
        ],
        [
            "Skriv inn e-postadressa di nedanfor, så sender vi deg ein e-post",
            "Tilbakestill passordet",
            "Ta kontakt med oss om du har problem med å tilbakestille passordet.",
        ],
    ),
    (
        "account_email_verification_sent",
        ["Verify Your Email Address", "We have sent an email to you for verification."],
        ["Stadfest e-postadressa di", "Følg lenka i e-posten for å fullføre registreringa."],
    ),
    ("account_login", ["Remember Me"], ["Hugs meg"]),
]

LOGGED_IN_PAGES = [
    (
        "account_email",
        [
            "The following email addresses are associated with your account:",
            "Make Primary",
            "Add Email Address",
            "Verified",
        ],
        [
            "Desse e-postadressene er knytte til kontoen din:",
            "Gjer til hovudadresse",
            "Legg til e-postadresse",
            "Stadfesta",
        ],
    ),
    (
        "account_change_password",
        ["Change Password", "Current Password", "New Password (again)"],
        ["Endre passord", "Noverande passord", "Gjenta det nye passordet"],
    ),
    (
        "mfa_index",
        [
            "Two-Factor Authentication",
            "An authenticator app is not active.",
            "No security keys have been added.",
            "No recovery codes set up.",
        ],
        [
            "Innlogging i to steg",
            "Du har ikkje teke i bruk nokon autentiseringsapp.",
            "Du har ikkje lagt til nokon sikkerheitsnøklar.",
            "Du har ikkje laga nokon reservekodar.",
        ],
    ),
    (
        "usersessions_list",
        ["Started At", "IP Address", "Sign Out"],
        ["Innloggingar", "IP-adresse", "Nettlesar"],
    ),
    (
        "socialaccount_connections",
        [
            "Account Connections",
            "You currently have no third-party accounts connected to this account.",
            "Add a Third-Party Account",
        ],
        [
            "Tilkopla kontoar",
            "Du har ingen tredjepartskontoar kopla til denne kontoen.",
            "Legg til ein tredjepartskonto",
        ],
    ),
]


@pytest.mark.django_db
class TestAllauthPagesInNynorsk:
    @pytest.mark.parametrize(("name", "english", "nynorsk"), ANONYMOUS_PAGES)
    def test_page_for_anyone(self, nn_client, name, english, nynorsk):
        assert_nynorsk(main_text(nn_client.get(reverse(name))), english=english, nynorsk=nynorsk)

    @pytest.mark.parametrize(("name", "english", "nynorsk"), LOGGED_IN_PAGES)
    def test_page_for_a_logged_in_person(self, nn_client, name, english, nynorsk):
        nn_client.force_login(UserFactory())
        assert_nynorsk(main_text(nn_client.get(reverse(name))), english=english, nynorsk=nynorsk)

    def test_a_wrong_password_is_refused_in_nynorsk(self, nn_client):
        user = UserFactory()
        response = nn_client.post(
            reverse("account_login"), {"login": user.email, "password": "ikkje-passordet"}
        )
        assert_nynorsk(
            main_text(response),
            english=["The email address and/or password you specified are not correct."],
            nynorsk=["E-postadressa eller passordet du skreiv inn, er feil."],
        )

    def test_the_e_mail_confirmation_page(self, nn_client):
        user = UserFactory(verified_email=False)
        address = EmailAddress.objects.create(user=user, email=user.email, primary=True)
        key = EmailConfirmationHMAC(address).key
        response = nn_client.get(reverse("account_confirm_email", args=[key]))
        assert_nynorsk(
            main_text(response),
            english=["Confirm Email Address", "Please confirm that", "is an email address for"],
            nynorsk=[f"Stadfest at {user.email} er ei e-postadresse som høyrer til brukaren"],
        )

    def test_setting_up_an_authenticator_app(self, nn_client):
        """The password asked again first (reauthentication), then the TOTP activation page."""
        nn_client.force_login(UserFactory())
        response = nn_client.get(reverse("mfa_activate_totp"), follow=True)
        reauthenticate = response.redirect_chain[-1][0]
        assert reauthenticate.startswith(reverse("account_reauthenticate"))
        assert_nynorsk(
            main_text(response),
            english=[
                "Confirm Access",
                "Please reauthenticate to safeguard your account.",
                "Enter your password:",
            ],
            nynorsk=[
                "Stadfest at det er du",
                "For å verne kontoen din må du stadfeste at det er du.",
                "Skriv inn passordet ditt:",
            ],
        )
        response = nn_client.post(reauthenticate, {"password": "passord-for-test"}, follow=True)
        assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
        assert_nynorsk(
            main_text(response),
            english=[
                "Activate Authenticator App",
                "scan the QR code below with your authenticator app",
                "Authenticator secret",
                "Authenticator code",
            ],
            nynorsk=[
                "Ta i bruk autentiseringsapp",
                "skannar du QR-koden nedanfor med autentiseringsappen",
                "Hemmeleg nøkkel for autentiseringsappen",
                "Kode frå autentiseringsappen",
            ],
        )

    def test_allauth_e_mails(self, nn_client, mailoutbox):
        user = UserFactory()
        nn_client.post(reverse("account_reset_password"), {"email": user.email})
        nn_client.post(
            reverse("account_signup"),
            {
                "email": "synnove.vik@bergen.kommune.no",
                "first_name": "Synnøve",
                "last_name": "Vik",
                "password1": "Fjordlandskap-2026",
                "password2": "Fjordlandskap-2026",
            },
        )
        reset, confirm = mailoutbox
        assert reset.subject.endswith("Tilbakestilling av passord")
        assert "Du får denne e-posten fordi du eller nokon annan har bedt om" in reset.body
        assert "You're receiving this email" not in reset.body
        assert confirm.subject.endswith("Stadfest e-postadressa di")
        assert "For å stadfeste at dette stemmer, gå til" in confirm.body
        assert "To confirm this is correct" not in confirm.body
