"""Organisation and municipality numbers: the rules, and the messages a user sees."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from django_scopes import scopes_disabled

from tilskot.models import Organisation
from tilskot.validators import (
    org_number_check_digit,
    validate_community_slug,
    validate_municipality_number,
    validate_org_number,
)

# Hospital trusts and authorities named in shared/domain/README.md.
REAL_ORG_NUMBERS = ["983974724", "983971768", "983971709", "983974899", "991324968", "983658725"]


@pytest.mark.parametrize("number", REAL_ORG_NUMBERS)
def test_real_org_numbers_pass(number):
    validate_org_number(number)


def test_spaces_as_written_in_registers_are_accepted():
    validate_org_number("983 974 724")


@pytest.mark.parametrize("number", ["983974725", "983974723", "964338530"])
def test_wrong_check_digit_is_refused_with_a_clear_message(number):
    with pytest.raises(ValidationError) as error:
        validate_org_number(number)
    assert error.value.code == "org_number_check_digit"
    with translation.override("en"):
        assert error.value.messages == [
            f"The check digit of organisation number {number} is wrong: check for a typing error."
        ]
    with translation.override("nb"):
        assert error.value.messages == [
            f"Kontrollsifferet i organisasjonsnummeret {number} stemmer ikke. Sjekk om det er "
            "skrevet feil."
        ]


@pytest.mark.parametrize("number", ["98397472", "9839747245", "98397472X", ""])
def test_wrong_length_or_letters_are_refused(number):
    with pytest.raises(ValidationError) as error:
        validate_org_number(number)
    assert error.value.code == "org_number_format"


def test_check_digit_rules():
    # 11 - (sum mod 11): a remainder of 0 gives 0, a remainder of 1 has no valid digit.
    assert org_number_check_digit("98397472") == 4
    assert org_number_check_digit("00000000") == 0
    assert org_number_check_digit("10000013") is None  # weighted sum 12, remainder 1


@pytest.mark.parametrize("number", ["4601", "3101", "5501", "0301", "3401"])
def test_municipality_numbers_pass(number):
    validate_municipality_number(number)


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("460", "municipality_number_format"),
        ("46O1", "municipality_number_format"),
        ("1201", "municipality_number_county"),
        ("3001", "municipality_number_county"),
    ],
)
def test_bad_municipality_numbers_are_refused(number, code):
    with pytest.raises(ValidationError) as error:
        validate_municipality_number(number)
    assert error.value.code == code


def test_community_address_cannot_take_a_project_url():
    with pytest.raises(ValidationError):
        validate_community_slug("admin")
    validate_community_slug("bergen")


def test_model_validation_reports_each_field(world):
    with scopes_disabled():
        org = Organisation(
            community=world.bergen,
            kind="municipality",
            name="Feil",
            org_number="964338532",
            municipality_number="9999",
        )
        with pytest.raises(ValidationError) as error:
            org.full_clean()
    assert set(error.value.message_dict) == {"org_number", "municipality_number"}


def test_wrong_check_digit_is_a_clear_form_error_in_the_admin(client, world):
    client.force_login(world.sigrid)
    response = client.post(
        "/admin/tilskot/organisation/add/",
        {
            "community": world.bergen.pk,
            "kind": "municipality",
            "name": "Askøy",
            "org_number": "964338443",
            "municipality_number": "4627",
            "membership_confirmed": "on",
        },
    )
    assert response.status_code == 200  # the form again, with what was typed
    form = response.context["adminform"].form
    with translation.override("nb"), pytest.raises(ValidationError) as expected:
        validate_org_number("964338443")
    assert form.errors["org_number"] == expected.value.messages
    assert 'value="Askøy"' in response.text


def test_unit_must_belong_to_the_hospital_trust(world):
    with scopes_disabled():
        trust = Organisation.objects.get(community=world.bergen, kind="hospital_trust")
        municipality = Organisation(
            community=world.bergen,
            kind="municipality",
            name="Voss",
            org_number="960510542",
            municipality_number="4621",
        )
        municipality.save()
        unit = Organisation(
            community=world.bergen, kind="hospital_unit", name="Eining", parent=municipality
        )
        with pytest.raises(ValidationError) as error:
            unit.full_clean()
        assert "parent" in error.value.message_dict
        unit.parent = trust
        unit.full_clean()


def test_amounts_in_service_messages_are_written_the_norwegian_way():
    from tilskot.money import nok_text

    assert nok_text(1_100_000) == "1\u202f100\u202f000\u00a0kr"
    assert nok_text(Decimal("1234.50")) == "1\u202f234,50\u00a0kr"
    assert nok_text(None) == "0\u00a0kr"
