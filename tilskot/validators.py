"""Validators for Norwegian public identifiers, with messages a user can act on."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ORG_NUMBER_WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)

# County (fylke) numbers in force from 1 January 2024: the first two digits of a kommunenummer.
COUNTY_NUMBERS_2024 = frozenset(
    {"03", "11", "15", "18", "31", "32", "33", "34", "39", "40", "42", "46", "50", "55", "56"}
)

# URL prefixes that can never be a community's slug, because the project uses them itself.
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "drift",
        "konto",
        "i18n",
        "static",
        "media",
        "healthz",
        "tilgjengelegheit",
        "tilgjengelighet",
        "accessibility",
        "oppgaver",
    }
)


def org_number_check_digit(first_eight: str) -> int | None:
    """The mod-11 check digit for the first eight digits, or None where no digit can be valid."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, ORG_NUMBER_WEIGHTS, strict=True)) % 11
    check = 11 - remainder
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def validate_org_number(value: str) -> None:
    """Organisasjonsnummer: nine digits, the last a mod-11 check digit (Brønnøysundregistrene)."""
    digits = value.replace(" ", "")
    if len(digits) != 9 or not digits.isdigit():
        raise ValidationError(
            _("An organisation number has exactly 9 digits (for example 983 974 724)."),
            code="org_number_format",
        )
    if org_number_check_digit(digits[:8]) != int(digits[8]):
        raise ValidationError(
            _(
                "The check digit of organisation number %(value)s is wrong: check for a typing "
                "error."
            ),
            code="org_number_check_digit",
            params={"value": digits},
        )


def validate_municipality_number(value: str) -> None:
    """Kommunenummer: four digits, the first two a county number in force (2024)."""
    if len(value) != 4 or not value.isdigit():
        raise ValidationError(
            _("A municipality number has exactly 4 digits (for example 4601)."),
            code="municipality_number_format",
        )
    if value[:2] not in COUNTY_NUMBERS_2024:
        raise ValidationError(
            _(
                "%(value)s does not start with a county number in force (from 2024), so it is not "
                "a municipality number."
            ),
            code="municipality_number_county",
            params={"value": value},
        )


def validate_postcode(value: str) -> None:
    """Postnummer: four digits (0001–9991)."""
    if len(value) != 4 or not value.isdigit():
        raise ValidationError(
            _("A postcode has exactly 4 digits (for example 5021)."), code="postcode_format"
        )


def validate_community_slug(value: str) -> None:
    if value in RESERVED_SLUGS:
        raise ValidationError(
            _("“%(value)s” is used by Tilskot itself and cannot be a community's address."),
            code="reserved_slug",
            params={"value": value},
        )


ACCOUNT_NUMBER_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def validate_account_number(value: str) -> None:
    """Norwegian bank account number: 11 digits, the last a mod-11 check digit (written
    1234.56.78903; spaces and dots are allowed when typed)."""
    digits = value.replace(" ", "").replace(".", "")
    if len(digits) != 11 or not digits.isdigit():
        raise ValidationError(
            _("An account number has exactly 11 digits (for example 1234.56.78903)."),
            code="account_number_format",
        )
    remainder = sum(int(d) * w for d, w in zip(digits[:10], ACCOUNT_NUMBER_WEIGHTS, strict=True))
    check = (11 - remainder % 11) % 11
    if check == 10 or check != int(digits[10]):
        raise ValidationError(
            _("The check digit of account number %(value)s is wrong: check for a typing error."),
            code="account_number_check_digit",
            params={"value": f"{digits[:4]}.{digits[4:6]}.{digits[6:]}"},
        )


def without_nul(value: str) -> str:
    """Raw input kept as it was typed (to show again after an error), less NUL characters:
    PostgreSQL's text and jsonb cannot hold them, and the form's own check has already told
    the person that the field cannot contain them."""
    return value.replace("\x00", "")
