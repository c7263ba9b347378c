"""Onboarding a community on Tilskot's own pages: the operator creates it (``/drift/ny/``), its
member organisations come from a CSV file with a preview and an error per bad row
(``/<community>/regler/medlemmer/import/``), then the first secretariat person is invited.

Messages are compared with what gettext makes of them in the page's language, so the tests
hold before and after the translations are written."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_scopes import scope, scopes_disabled

from tilskot.member_import import (
    OrganisationRow,
    organisations_import,
    organisations_parse_csv,
    organisations_plan,
)
from tilskot.models import Community, CommunityRoleGroup, Organisation, PriorityArea, Scheme
from tilskot.onboarding import community_create, national_priorities_set, national_priority_names
from tilskot.operator_views import UploadForm
from tilskot.roles import Role
from tilskot.services import role_grant

from .factories import ApplicationFactory

pytestmark = pytest.mark.django_db

# Real members of Helsefellesskapet i bergensområdet (fixtures/reference/bergen.yaml).
BERGEN = ("Bergen", "964338531", "kommune", "4601")
ASKOY = ("Askøy", "964338442", "kommune", "4627")
AUSTEVOLL = ("Austevoll", "941139787", "kommune", "4625")
IMPORT = "/{slug}/regler/medlemmer/import/"


def csv_of(*rows: tuple[str, ...], header="navn;organisasjonsnummer;type;kommunenummer") -> str:
    lines = [header] if header else []
    lines += [";".join(row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def members(community) -> list[tuple[str, str, str, str]]:
    with scope(community=community):
        return sorted(
            Organisation.objects.values_list("kind", "name", "org_number", "municipality_number")
        )


def fresh_community(slug="agder", language="nb", **kwargs) -> Community:
    return community_create(
        fields={
            "slug": slug,
            "name": "Helsefellesskapet Agder",
            "language": language,
            "assessing_body": "Søknadskomiteen",
            "decision_body": "Strategisk samarbeidsutvalg",
            **kwargs,
        },
        hospital_trust={"name": "Sørlandet sykehus HF", "org_number": "983975267"},
        units=["Psykisk helsevern", "Medisinsk klinikk"],
        scheme_name="Rekrutterings- og samhandlingstilskudd",
        national_priorities=True,
    )


# --- parsing the file ---------------------------------------------------------------------------


class TestParse:
    def test_semicolons_norwegian_header_and_bom(self):
        data = ("\ufeff" + csv_of(("Bergen", "964 338 531", "kommune", "4601"))).encode()
        assert organisations_parse_csv(data) == [
            OrganisationRow(
                line=2,
                name="Bergen",
                org_number="964 338 531",
                kind="kommune",
                municipality_number="4601",
            )
        ]

    def test_excel_on_windows_cp1252(self):
        data = csv_of(("Askøy", ASKOY[1], "Kommune", ASKOY[3])).encode("cp1252")
        assert [row.name for row in organisations_parse_csv(data)] == ["Askøy"]

    def test_commas_with_an_english_header_in_another_order(self):
        text = "kind,name,municipality_number,org_number\nmunicipality,Askøy,4627,964338442\n"
        (row,) = organisations_parse_csv(text.encode())
        assert (row.line, row.name, row.kind, row.org_number, row.municipality_number) == (
            2,
            "Askøy",
            "municipality",
            "964338442",
            "4627",
        )

    def test_without_a_header_the_first_row_is_row_1(self):
        text = csv_of(BERGEN, header="")
        assert [row.line for row in organisations_parse_csv(text)] == [1]

    def test_quoted_commas_and_empty_rows(self):
        text = 'name,org_number,kind,municipality_number\n\n"Sykehus, avd. A",,other,\n'
        (row,) = organisations_parse_csv(text)
        assert (row.line, row.name) == (3, "Sykehus, avd. A")

    @pytest.mark.parametrize(
        "data",
        [
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # an Excel workbook
            b"%PDF-1.7\n\x00\x01\x02",
            b"",
            b"navn;organisasjonsnummer;type;kommunenummer\n",
        ],
    )
    def test_what_is_no_member_list_is_refused(self, data):
        with pytest.raises(ValidationError):
            organisations_parse_csv(data)

    def test_an_unknown_header_column_is_named(self):
        with pytest.raises(ValidationError, match="“telefon”"):
            organisations_parse_csv("navn;organisasjonsnummer;type;telefon\nA;1;kommune;2\n")


# --- checking and importing -------------------------------------------------------------------


def plan_errors(community, text):
    plan = organisations_plan(community=community, rows=organisations_parse_csv(text))
    return [(e.line, e.field, e.message) for e in plan.errors]


class TestImport:
    def test_every_bad_row_is_named_with_its_row_and_column(self, world):
        text = csv_of(
            ("Bergen", "964338532", "kommune", "4601"),  # row 2: check digit
            ("Askøy", "96433844", "kommune", "4627"),  # row 3: eight digits
            ("Austevoll", AUSTEVOLL[1], "fylke", AUSTEVOLL[3]),  # row 4: no such kind
            ("Fedje", "944041036", "kommune", ""),  # row 5: municipality without number
            ("Modalen", "964969302", "kommune", "4601"),  # row 6: row 2's municipality number
            ("Osterøy", "864338712", "kommune", "9999"),  # row 7: no such county
        )
        errors = plan_errors(world.bergen, text)
        assert [(line, field) for line, field, _message in errors] == [
            (2, "org_number"),
            (3, "org_number"),
            (4, "kind"),
            (5, "municipality_number"),
            (6, "municipality_number"),
            (7, "municipality_number"),
        ]
        messages = {(line, field): message for line, field, message in errors}
        assert "check digit" in messages[2, "org_number"]
        assert "9 digits" in messages[3, "org_number"]
        assert "“fylke”" in messages[4, "kind"]
        assert "kommune" in messages[4, "kind"]
        assert "eining" in messages[4, "kind"]
        assert messages[6, "municipality_number"] == "The same as row 2: each organisation once."

    def test_a_duplicate_of_a_member_of_another_kind_is_an_error(self, world):
        with scope(community=world.bergen):
            trust = Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)
        text = csv_of(("Bergen", trust.org_number, "kommune", "4601"))
        ((line, field, message),) = plan_errors(world.bergen, text)
        assert (line, field) == (2, "")
        assert trust.name in message

    def test_nothing_is_saved_unless_every_row_is_right(self, world):
        before = members(world.bergen)
        good = BERGEN
        bad = ("Askøy", "964338443", "kommune", "4627")
        rows = organisations_parse_csv(csv_of(good, bad))
        errors = organisations_import(community=world.bergen, rows=rows, save=True)
        assert [(e.line, e.field) for e in errors] == [(3, "org_number")]
        assert members(world.bergen) == before
        rows = organisations_parse_csv(csv_of(good, ASKOY))
        assert organisations_import(community=world.bergen, rows=rows, save=False) == []
        assert members(world.bergen) == before  # checked, not saved
        assert organisations_import(community=world.bergen, rows=rows, save=True) == []
        assert len(members(world.bergen)) == len(before) + 2

    def test_importing_again_updates_and_never_duplicates(self, world):
        text = csv_of(BERGEN, ASKOY)
        rows = organisations_parse_csv(text)
        assert organisations_import(community=world.bergen, rows=rows, save=True) == []
        imported = members(world.bergen)
        again = organisations_plan(community=world.bergen, rows=rows)
        assert again.counts == {"add": 0, "update": 0, "unchanged": 2}
        renamed = organisations_parse_csv(text.replace("Askøy", "Askøy kommune"))
        plan = organisations_plan(community=world.bergen, rows=renamed)
        assert plan.counts == {"add": 0, "update": 1, "unchanged": 1}
        (update,) = [p for p in plan.rows if p.action == "update"]
        assert update.changes == [("name", "Askøy", "Askøy kommune")]
        assert organisations_import(community=world.bergen, rows=renamed, save=True) == []
        assert len(members(world.bergen)) == len(imported)
        assert ("municipality", "Askøy kommune", ASKOY[1], ASKOY[3]) in members(world.bergen)

    def test_every_row_added_or_changed_is_in_the_history_with_who(self, world):
        """Saved in bulk, each member still has its history row, naming the person."""
        rows = organisations_parse_csv(csv_of(BERGEN, ASKOY))
        assert (
            organisations_import(community=world.bergen, rows=rows, save=True, by=world.sigrid)
            == []
        )
        renamed = organisations_parse_csv(csv_of(BERGEN, ASKOY).replace("Askøy", "Askøy kommune"))
        assert (
            organisations_import(community=world.bergen, rows=renamed, save=True, by=world.ola)
            == []
        )
        with scopes_disabled():
            history = Organisation.history.filter(community=world.bergen, kind="municipality")
            assert sorted(
                (h.name, h.history_type, h.history_user.email) for h in history
            ) == sorted(
                [
                    ("Bergen", "+", world.sigrid.email),
                    ("Askøy", "+", world.sigrid.email),
                    ("Askøy kommune", "~", world.ola.email),
                ]
            )

    def test_units_belong_to_the_trust(self, world):
        text = csv_of(
            ("Kirurgisk klinikk", "", "eining", ""), ("Frivilligsentralen", "", "anna", "")
        )
        rows = organisations_parse_csv(text)
        assert organisations_import(community=world.bergen, rows=rows, save=True) == []
        with scope(community=world.bergen):
            unit = Organisation.objects.get(name="Kirurgisk klinikk")
            assert unit.kind == Organisation.Kind.HOSPITAL_UNIT
            assert unit.parent == Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)
            assert Organisation.objects.get(name="Frivilligsentralen").kind == "other"

    def test_a_unit_without_a_trust_is_an_error(self, world):
        with scope(community=world.bergen):
            Organisation.objects.filter(kind=Organisation.Kind.HOSPITAL_TRUST).delete()
        errors = plan_errors(world.bergen, csv_of(("Kirurgisk klinikk", "", "enhet", "")))
        assert [(line, field) for line, field, _message in errors] == [(2, "kind")]


# --- the community ----------------------------------------------------------------------------


class TestCommunityCreate:
    def test_creates_everything_a_community_starts_with(self, db):
        community = fresh_community(language="nn")
        assert community.reminder_days == [14, 3, 1]
        with scopes_disabled():
            assert set(
                CommunityRoleGroup.objects.filter(community=community).values_list(
                    "role", flat=True
                )
            ) == {role.value for role in Role}
        with scope(community=community):
            trust = Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)
            units = Organisation.objects.filter(kind=Organisation.Kind.HOSPITAL_UNIT)
            assert sorted(u.name for u in units) == ["Medisinsk klinikk", "Psykisk helsevern"]
            assert {u.parent for u in units} == {trust}
            scheme = Scheme.objects.get()
            national = list(
                scheme.priority_areas.filter(kind="national").values_list("name", flat=True)
            )
        assert national == national_priority_names(language="nn")
        assert any("sjukehus" in name for name in national)

    @pytest.mark.parametrize(
        ("change", "key"),
        [
            ({"slug": "drift"}, "slug"),  # the operator's own address
            ({"slug": "konto"}, "slug"),
            ({"decision_body": ""}, "decision_body"),
            ({"reminder_days": ["x"]}, "reminder_days"),
        ],
    )
    def test_bad_input_names_its_field_and_creates_nothing(self, db, change, key):
        with pytest.raises(ValidationError) as raised:
            fresh_community(**change)
        assert key in raised.value.message_dict
        assert not Community.objects.exists()

    def test_an_address_in_use_and_a_bad_trust_number(self, world):
        with pytest.raises(ValidationError) as raised:
            community_create(
                fields={"slug": "bergen", "name": "X", "assessing_body": "A", "decision_body": "B"},
                hospital_trust={"name": "X HF", "org_number": "983974725"},
                units=["A", "a"],
                scheme_name="",
                national_priorities=True,
            )
        assert set(raised.value.message_dict) == {
            "slug",
            "hospital_trust_org_number",
            "units",
            "scheme_name",
        }
        assert Community.objects.count() == 2


class TestNationalPriorities:
    def test_idempotent_and_never_removed_once_chosen(self, world):
        with scope(community=world.bergen):
            scheme = Scheme.objects.get()
            for _time in range(2):
                national_priorities_set(scheme=scheme, include=True, language="nn")
            areas = PriorityArea.objects.filter(scheme=scheme, kind="national")
            assert areas.count() == len(national_priority_names(language="nn"))
            application = ApplicationFactory(round=world.bergen_round)
            application.priority_areas.add(areas.first())
            with pytest.raises(ValidationError):
                national_priorities_set(scheme=scheme, include=False, language="nn")
            assert areas.count() == len(national_priority_names(language="nn"))
            application.priority_areas.clear()
            national_priorities_set(scheme=scheme, include=False, language="nn")
            assert not areas.exists()
            assert PriorityArea.objects.filter(kind="community").exists()  # the community's own


# --- the operator's pages -----------------------------------------------------------------------

NEW = "/drift/ny/"


def new_community_data(**changes) -> dict:
    return {
        "name": "Helsefellesskapet Agder",
        "slug": "agder",
        "language": "nb",
        "description": "",
        "postal_address": "Postboks 416",
        "postcode": "4604",
        "postal_place": "Kristiansand",
        "contact_email": "post@agder.test",
        "org_number": "983 975 267",
        "assessing_body": "Søknadskomiteen",
        "decision_body": "Strategisk samarbeidsutvalg",
        "second_decision_body": "",
        "appeal_body": "Helse Sør-Øst RHF",
        "payment_project_number": "P-123",
        "payment_route": "internal",
        "reminder_days": "14, 3, 1",
        "hospital_trust_name": "Sørlandet sykehus HF",
        "hospital_trust_org_number": "983975267",
        "units": "Psykisk helsevern\r\n\r\nMedisinsk klinikk\r\n",
        "scheme_name": "Rekrutterings- og samhandlingstilskudd",
        "national_priorities": "yes",
        **changes,
    }


class TestOperatorPages:
    @pytest.mark.parametrize("url", ["/drift/", NEW])
    def test_only_the_operator(self, client, world, url):
        assert client.get(url)["Location"].startswith("/konto/")
        for person in (world.per, world.sigrid, world.kari):
            client.force_login(person)
            assert client.get(url).status_code == 403
            assert client.post(url, new_community_data()).status_code == 403
        assert not Community.objects.filter(slug="agder").exists()
        client.force_login(world.admin)
        assert client.get(url).status_code == 200

    def test_strong_log_in_where_staff_need_one(self, client, world, settings):
        settings.STAFF_STRONG_LOGIN_REQUIRED = True
        client.force_login(world.admin)
        assert client.get("/drift/")["Location"].startswith("/konto/sterk-innlogging/")

    def test_the_operators_page_lists_the_communities(self, client, world):
        client.force_login(world.admin)
        page = client.get("/drift/").content.decode()
        assert 'href="/bergen/"' in page
        assert 'href="/ostfold/"' in page
        assert 'href="/drift/ny/"' in page

    def test_creates_a_community_and_goes_on_to_its_members(self, client, world):
        client.force_login(world.admin)
        response = client.post(NEW, new_community_data())
        assert response.status_code == 302
        assert response["Location"] == IMPORT.format(slug="agder")
        agder = Community.objects.get(slug="agder")
        assert (agder.internal_booking, agder.org_number, agder.reminder_days) == (
            True,
            "983975267",
            [14, 3, 1],
        )
        assert agder.history.get().history_user == world.admin
        with scope(community=agder):
            assert Organisation.objects.filter(kind="hospital_unit").count() == 2
            assert PriorityArea.objects.filter(kind="national").exists()
        page = client.get(response["Location"])
        assert page.status_code == 200
        assert page.context["no_secretariat"]  # the next step is offered

    def test_bad_input_keeps_what_was_typed_with_a_message_per_field(self, client, world):
        client.force_login(world.admin)
        response = client.post(
            NEW,
            new_community_data(
                slug="bergen",
                hospital_trust_org_number="983975268",
                reminder_days="fjorten",
                decision_body="",
            ),
        )
        assert response.status_code == 200
        errors = dict(response.context["error_list"])
        assert set(errors) == {
            "id_slug",
            "id_hospital_trust_org_number",
            "id_reminder_days",
            "id_decision_body",
        }
        page = response.content.decode()
        assert 'id="error-summary"' in page
        assert 'value="Helsefellesskapet Agder"' in page
        assert 'value="983975268"' in page
        assert "Psykisk helsevern" in page
        assert Community.objects.count() == 2

    def test_hostile_input_gets_messages_never_a_500(self, client, world):
        client.force_login(world.admin)
        data = new_community_data()
        for number, name in enumerate(data):
            for value in ("x\x00y", "Å" * 20_001, "99999999999999999999999"):
                posted = {**data, "slug": f"fellesskap-{number}", name: value}
                response = client.post(NEW, posted)
                assert response.status_code in (200, 302), (name, value[:10])

    def test_a_reserved_address_is_refused_on_the_page(self, client, world):
        client.force_login(world.admin)
        response = client.post(NEW, new_community_data(slug="drift"))
        assert "id_slug" in dict(response.context["error_list"])
        assert not Community.objects.filter(slug="drift").exists()


# --- the import pages ---------------------------------------------------------------------------


def upload(client, slug, text: str | bytes, name="medlemmer.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(
        IMPORT.format(slug=slug),
        {"action": "upload", "file": SimpleUploadedFile(name, data, "text/csv")},
    )


GOOD = csv_of(BERGEN, ASKOY)


class TestImportPages:
    def test_preview_then_confirm(self, client, world):
        client.force_login(world.sigrid)
        before = members(world.bergen)
        response = upload(client, "bergen", GOOD)
        assert response.status_code == 200
        assert [p.action for p in response.context["plan"].rows] == ["add", "add"]
        assert 'id="import-button"' in response.content.decode()
        assert members(world.bergen) == before  # only previewed
        token = response.context["token"]
        done = client.post(IMPORT.format(slug="bergen"), {"action": "confirm", "token": token})
        assert done.status_code == 302
        assert done["Location"] == "/bergen/regler/medlemmer/"
        assert len(members(world.bergen)) == len(before) + 2
        # the token is used up: a second confirm imports nothing
        again = client.post(IMPORT.format(slug="bergen"), {"action": "confirm", "token": token})
        assert again["Location"] == IMPORT.format(slug="bergen")
        assert len(members(world.bergen)) == len(before) + 2

    def test_a_bad_row_names_its_row_and_nothing_is_saved(self, client, world):
        client.force_login(world.sigrid)
        before = members(world.bergen)
        text = csv_of(BERGEN, ("Askøy", "964338443", "kommune", "4627"))
        response = upload(client, "bergen", text)
        assert response.status_code == 200
        assert [(e["line"], e["name"]) for e in response.context["row_errors"]] == [(3, "Askøy")]
        page = response.content.decode()
        assert 'data-line="3"' in page
        assert 'id="import-button"' not in page
        assert client.post(
            IMPORT.format(slug="bergen"), {"action": "confirm", "token": response.context["token"]}
        )["Location"] == IMPORT.format(slug="bergen")
        assert members(world.bergen) == before

    @pytest.mark.parametrize(
        ("data", "name"),
        [
            (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "medlemmer.xlsx"),
            (b"", "tom.csv"),
            (b"x" * (512 * 1024 + 1), "stor.csv"),
        ],
    )
    def test_what_is_no_member_list_gets_a_message_never_a_500(self, client, world, data, name):
        client.force_login(world.sigrid)
        response = upload(client, "bergen", data, name=name)
        assert response.status_code == 200
        assert "id_file" in dict(response.context["error_list"])

    def test_no_file_chosen(self, client, world):
        client.force_login(world.sigrid)
        response = client.post(IMPORT.format(slug="bergen"), {"action": "upload"})
        with translation.override("nn"):
            expected = str(UploadForm.base_fields["file"].error_messages["required"])
        assert dict(response.context["error_list"])["id_file"] == expected

    def test_onboarding_goes_on_to_invite_the_first_secretariat_person(self, client, world):
        with translation.override("nb"):
            fresh_community()
        client.force_login(world.admin)
        response = upload(client, "agder", GOOD.replace("4601", "4204").replace("4627", "4205"))
        token = response.context["token"]
        done = client.post(IMPORT.format(slug="agder"), {"action": "confirm", "token": token})
        assert done["Location"] == "/agder/personer/?role=secretariat"
        people = client.get(done["Location"])
        assert people.context["invite_form"]["role"].value() == "secretariat"
        assert 'value="secretariat" selected' in people.content.decode()

    def test_who_may_import(self, client, world):
        url = IMPORT.format(slug="bergen")
        assert client.get(url)["Location"].startswith("/konto/")
        for person, status in ((world.ola, 403), (world.kari, 403), (world.per, 403)):
            client.force_login(person)
            assert client.get(url).status_code == status
            assert upload(client, "bergen", GOOD).status_code == status
        for person in (world.sigrid, world.admin):
            client.force_login(person)
            assert client.get(url).status_code == 200
        assert client.get("/finst-ikkje/regler/medlemmer/import/").status_code == 404

    def test_a_preview_of_one_community_never_imports_into_another(self, client, world):
        """Ola's preview in Østfold, confirmed at Bergen's address (were he also Bergen's
        secretariat), imports nothing: the kept file is bound to its community."""
        role_grant(user=world.ola, community=world.bergen, role=Role.SECRETARIAT)
        client.force_login(world.ola)
        token = upload(client, "ostfold", GOOD).context["token"]
        before = members(world.bergen)
        response = client.post(IMPORT.format(slug="bergen"), {"action": "confirm", "token": token})
        assert response["Location"] == IMPORT.format(slug="bergen")
        assert members(world.bergen) == before
