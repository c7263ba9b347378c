"""The secretariat's work on a round: the table of applications (drafts and other communities
left out, filters, sorting, pagination, CSV and Excel export, a fixed query count) and the three
screening actions (each writes the case log; a refused one loses nothing and never fails)."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from soknad.models import Application, StatusChange
from soknad.views import screening
from tilskot.models import Organisation

from .factories import (
    ApplicationFactory,
    BudgetLineFactory,
    OrganisationFactory,
    PriorityAreaFactory,
    SubmittedApplicationFactory,
    UserFactory,
)
from .utils import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def in_english(client) -> None:
    # UI strings are asserted by their English msgid, whatever the catalogs say.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def table_url(round_, community="bergen") -> str:
    return reverse("soknad:table", kwargs={"community": community, "round": round_.pk})


def case_url(application) -> str:
    return reverse(
        "soknad:application", kwargs={"community": "bergen", "application": application.pk}
    )


def screen_url(application) -> str:
    return reverse("soknad:screen", kwargs={"community": "bergen", "application": application.pk})


def pks(response) -> list[int]:
    return [a.pk for a in response.context["applications"]]


class BergenRound:
    """Bergen's round with three applications the secretariat sees, a draft it does not, and
    an application in Østfold."""

    def __init__(self, world):
        with scopes_disabled():
            scheme = world.bergen_round.scheme
            self.round = world.bergen_round
            self.askoy = OrganisationFactory(
                community=world.bergen, name="Askøy kommune", org_number="964338531"
            )
            self.fjell = OrganisationFactory(community=world.bergen, name="Fjell kommune")
            self.trust = Organisation.objects.get(community=world.bergen, kind="hospital_trust")
            self.children = scheme.priority_areas.get()
            self.elderly = PriorityAreaFactory(scheme=scheme, name="Eldre")
            self.legevakt = SubmittedApplicationFactory(
                round=self.round,
                title="Legevakt",
                responsible_organisation=self.askoy,
                priority_areas=[self.children],
                submitted_at=dt.datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
                owner=UserFactory(email="legevakt@tilskot.test"),
            )
            self.ambulanse = SubmittedApplicationFactory(
                round=self.round,
                title="Ambulanse",
                status="complete",
                responsible_organisation=self.trust,
                partners=[self.askoy, self.fjell],
                priority_areas=[self.elderly],
                submitted_at=dt.datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
            )
            self.bemanning = SubmittedApplicationFactory(
                round=self.round,
                title="Bemanning",
                status="more_info",
                responsible_organisation=self.fjell,
                priority_areas=[self.children, self.elderly],
                submitted_at=dt.datetime(2026, 11, 21, 9, 30, tzinfo=UTC),
            )
            BudgetLineFactory(
                application=self.legevakt, requested_amount=300_000, own_contribution=0
            )
            BudgetLineFactory(
                application=self.ambulanse, requested_amount=100_000, own_contribution=40_000
            )
            BudgetLineFactory(
                application=self.bemanning, requested_amount=150_000, own_contribution=10_000
            )
            BudgetLineFactory(
                application=self.bemanning,
                year=2028,
                requested_amount=50_000,
                own_contribution=0,
            )
            self.draft = ApplicationFactory(round=self.round, title="Utkast")
            self.ostfold = SubmittedApplicationFactory(round=world.ostfold_round, title="Halden")


@pytest.fixture
def bergen(world) -> BergenRound:
    return BergenRound(world)


# --- the table ---------------------------------------------------------------------------------


class TestTable:
    def test_lists_the_rounds_applications_newest_first_without_drafts(self, client, world, bergen):
        client.force_login(world.sigrid)
        response = client.get(table_url(bergen.round))
        assert response.status_code == 200
        assert pks(response) == [bergen.ambulanse.pk, bergen.bemanning.pk, bergen.legevakt.pk]
        assert response.context["requested_total"] == Decimal(600_000)
        assert response.context["own_total"] == Decimal(50_000)

    def test_partners_read_as_a_list(self, client, world, bergen):
        client.force_login(world.sigrid)
        text = " ".join(client.get(table_url(bergen.round)).text.split())
        assert f"{bergen.askoy.name}, {bergen.fjell.name}" in text

    def test_another_communitys_round_is_404(self, client, world, bergen):
        client.force_login(world.sigrid)
        assert client.get(table_url(world.ostfold_round)).status_code == 404

    def test_only_the_communitys_secretariat(self, client, world, bergen):
        statuses = {}
        for who, user in {
            "committee member": world.kari,
            "no role": world.per,
            "other community's secretariat": world.ola,
            "applicant": bergen.legevakt.owner,
        }.items():
            client.force_login(user)
            statuses[who] = client.get(table_url(bergen.round)).status_code
        assert statuses == {
            "committee member": 403,
            "no role": 403,
            "other community's secretariat": 403,
            "applicant": 403,
        }
        client.logout()
        response = client.get(table_url(bergen.round))
        assert (response.status_code, response.url) == (
            302,
            f"{reverse('account_login')}?next={table_url(bergen.round)}",
        )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ({"status": "complete"}, ["ambulanse"]),
            ({"status": "submitted"}, ["legevakt"]),
            ({"priority_area": "children"}, ["bemanning", "legevakt"]),
            ({"priority_area": "elderly"}, ["ambulanse", "bemanning"]),
            # responsible organisation or partner, each application once
            ({"municipality": "askoy"}, ["ambulanse", "legevakt"]),
            ({"municipality": "fjell"}, ["ambulanse", "bemanning"]),
            ({"municipality": "askoy", "status": "submitted"}, ["legevakt"]),
            ({"status": "draft"}, ["ambulanse", "bemanning", "legevakt"]),  # refused: ignored
        ],
    )
    def test_filters(self, client, world, bergen, query, expected):
        params = {
            key: getattr(bergen, value).pk if key != "status" else value
            for key, value in query.items()
        }
        client.force_login(world.sigrid)
        response = client.get(table_url(bergen.round), params)
        assert pks(response) == [getattr(bergen, name).pk for name in expected]

    def test_a_refused_filter_is_shown_with_its_error(self, client, world, bergen):
        in_english(client)
        client.force_login(world.sigrid)
        response = client.get(table_url(bergen.round), {"status": "draft"})
        assert list(response.context["filters"].errors) == ["status"]
        assert 'role="alert"' in response.text

    @pytest.mark.parametrize(
        ("sort", "expected", "aria"),
        [
            ("requested", ["ambulanse", "bemanning", "legevakt"], "ascending"),
            ("-requested", ["legevakt", "bemanning", "ambulanse"], "descending"),
            ("title", ["ambulanse", "bemanning", "legevakt"], "ascending"),
            ("status", ["legevakt", "bemanning", "ambulanse"], "ascending"),  # workflow order
            ("submitted_at", ["legevakt", "bemanning", "ambulanse"], "ascending"),
        ],
    )
    def test_sorting(self, client, world, bergen, sort, expected, aria):
        client.force_login(world.sigrid)
        response = client.get(table_url(bergen.round), {"sort": sort})
        assert pks(response) == [getattr(bergen, name).pk for name in expected]
        sorted_by = [c.aria_sort for c in response.context["columns"] if c.aria_sort]
        assert sorted_by == [aria]
        assert f'aria-sort="{aria}"' in response.text

    def test_an_unknown_sort_falls_back_to_newest_first(self, client, world, bergen):
        client.force_login(world.sigrid)
        response = client.get(table_url(bergen.round), {"sort": "owner__password"})
        assert response.context["sort"] == "-submitted_at"
        assert pks(response) == [bergen.ambulanse.pk, bergen.bemanning.pk, bergen.legevakt.pk]

    def test_pagination(self, client, world, bergen, monkeypatch):
        monkeypatch.setattr(screening, "PAGE_SIZE", 2)
        client.force_login(world.sigrid)
        first = client.get(table_url(bergen.round), {"sort": "title"})
        second = client.get(table_url(bergen.round), {"sort": "title", "page": 2})
        assert (pks(first), pks(second)) == (
            [bergen.ambulanse.pk, bergen.bemanning.pk],
            [bergen.legevakt.pk],
        )
        assert 'href="?sort=title&amp;page=2"' in first.text
        current = re.findall(r'aria-current="page"[^>]*>([^<]*)</a>', second.text)
        assert current == ["2"]  # the second page is marked as the current one

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            # 1 fewer than before the pictures (13): the page's count, its totals and its three
            # pictures' numbers come in one query (soknad.selectors.applications_table_figures)
            ({}, 12),
            # the exports: every row with its partners and priority areas, never one per row
            ({"format": "csv"}, 9),
            ({"format": "xlsx"}, 9),
        ],
    )
    def test_query_count_does_not_grow_from_10_to_1000_applications(
        self, client, world, query, expected
    ):
        with scopes_disabled():
            scheme = world.bergen_round.scheme
            owner = UserFactory()
            organisations = OrganisationFactory.create_batch(3, community=world.bergen)
            area = scheme.priority_areas.get()

        def grow(n):
            with scopes_disabled():
                applications = Application.objects.bulk_create(
                    Application(
                        round=world.bergen_round,
                        owner=owner,
                        status="submitted",
                        title=f"Søknad {i}",
                        responsible_organisation=organisations[0],
                        submitted_at=timezone.now(),
                    )
                    for i in range(n)
                )
                Application.partners.through.objects.bulk_create(
                    Application.partners.through(application=a, organisation=o)
                    for a in applications
                    for o in organisations[1:]
                )
                Application.priority_areas.through.objects.bulk_create(
                    Application.priority_areas.through(application=a, priorityarea=area)
                    for a in applications
                )

        client.force_login(world.sigrid)
        queries = assert_queries_do_not_grow(
            lambda: client.get(table_url(world.bergen_round), query), grow, sizes=(10, 1000)
        )
        assert queries == expected


# --- export ------------------------------------------------------------------------------------

HEADER = [
    "ID",
    "Title",
    "Status",
    "Responsible organisation",
    "Organisation number",
    "Partners",
    "Priority areas",
    "Requested (NOK)",
    "Own contribution (NOK)",
    "Submitted",
    "Applicant's e-mail",
]


class TestExport:
    def test_csv_has_every_filtered_row_of_every_page(self, client, world, bergen, monkeypatch):
        monkeypatch.setattr(screening, "PAGE_SIZE", 1)
        in_english(client)
        client.force_login(world.sigrid)
        response = client.get(
            table_url(bergen.round), {"municipality": bergen.askoy.pk, "format": "csv"}
        )
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == (
            f'attachment; filename="bergen-{bergen.round.pk}-applications.csv"'
        )
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows == [
            HEADER,
            [
                str(bergen.ambulanse.pk),
                "Ambulanse",
                "Complete",
                bergen.trust.name,
                bergen.trust.org_number,
                "Askøy kommune; Fjell kommune",
                "Eldre",
                "100000.00",
                "40000.00",
                "2026-11-22T10:30:00+01:00",
                bergen.ambulanse.owner.email,
            ],
            [
                str(bergen.legevakt.pk),
                "Legevakt",
                "Submitted",
                "Askøy kommune",
                "964338531",
                "",
                bergen.children.name,
                "300000.00",
                "0.00",
                "2026-11-20T10:30:00+01:00",
                "legevakt@tilskot.test",
            ],
        ]

    def test_xlsx_has_the_sorted_rows_with_amounts_as_numbers(self, client, world, bergen):
        in_english(client)
        client.force_login(world.sigrid)
        response = client.get(table_url(bergen.round), {"sort": "-requested", "format": "xlsx"})
        assert response["Content-Type"] == (
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == HEADER
        assert [(r[0], r[1], r[2], r[7], r[8], r[9]) for r in rows[1:]] == [
            (bergen.legevakt.pk, "Legevakt", "Submitted", 300_000, 0, "2026-11-20T10:30:00+01:00"),
            (bergen.bemanning.pk, "Bemanning", "More information requested", 200_000, 10_000,
             "2026-11-21T10:30:00+01:00"),
            (bergen.ambulanse.pk, "Ambulanse", "Complete", 100_000, 40_000,
             "2026-11-22T10:30:00+01:00"),
        ]  # fmt: skip

    def test_no_cell_becomes_a_formula(self, client, world, bergen):
        with scopes_disabled():
            Application.objects.filter(pk=bergen.legevakt.pk).update(
                title='=HYPERLINK("http://example.org","Klikk")\x0b'
            )
        client.force_login(world.sigrid)
        params = {"status": "submitted"}
        csv_rows = list(
            csv.reader(
                io.StringIO(
                    client.get(
                        table_url(bergen.round), {**params, "format": "csv"}
                    ).content.decode()
                )
            )
        )
        xlsx = client.get(table_url(bergen.round), {**params, "format": "xlsx"})
        cell = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active["B2"]
        assert csv_rows[1][1] == '\'=HYPERLINK("http://example.org","Klikk")\x0b'
        assert (cell.value, cell.data_type) == ('=HYPERLINK("http://example.org","Klikk")', "s")


# --- screening ---------------------------------------------------------------------------------


def status_log(application) -> list[tuple]:
    with scopes_disabled():
        return list(
            StatusChange.objects.filter(application=application).values_list(
                "from_status", "to_status", "by", "message"
            )
        )


def refreshed(application) -> Application:
    with scopes_disabled():
        return Application.objects.get(pk=application.pk)


class TestScreening:
    def test_mark_complete(self, client, world, bergen, mailoutbox):
        in_english(client)
        client.force_login(world.sigrid)
        before = timezone.now()
        response = client.post(screen_url(bergen.legevakt), {"action": "complete"})
        assert (response.status_code, response.url) == (302, case_url(bergen.legevakt))
        assert refreshed(bergen.legevakt).status == "complete"
        assert status_log(bergen.legevakt) == [("submitted", "complete", world.sigrid.pk, "")]
        with scopes_disabled():
            assert StatusChange.objects.get(application=bergen.legevakt).at >= before

        page = client.get(response.url)
        assert [str(m) for m in page.context["messages"]] == ["The application is marked complete."]
        log = page.text.split('<table class="ds-table status-log')[1]
        assert str(world.sigrid) in log
        assert mailoutbox == []

    def test_ask_for_more_information(
        self, client, world, bergen, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(world.sigrid)
        message = "Legg ved samarbeidsavtalen og eit oppdatert budsjett."
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                screen_url(bergen.legevakt),
                {
                    "action": "more_info",
                    "more_info-message": message,
                    "more_info-steps": ["parties", "budget"],
                },
            )
        assert (response.status_code, response.url) == (302, case_url(bergen.legevakt))
        application = refreshed(bergen.legevakt)
        assert (
            application.status,
            application.more_info_steps,
            application.more_info_request,
        ) == ("more_info", ["parties", "budget"], message)
        assert status_log(bergen.legevakt) == [("submitted", "more_info", world.sigrid.pk, message)]
        assert len(mailoutbox) == 1
        mail = mailoutbox[0]
        assert mail.to == ["legevakt@tilskot.test"]
        assert message in mail.body
        assert case_url(bergen.legevakt) in mail.body

    def test_more_information_without_steps_is_refused_and_keeps_the_message(
        self, client, world, bergen, mailoutbox, django_capture_on_commit_callbacks
    ):
        in_english(client)
        client.force_login(world.sigrid)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                screen_url(bergen.legevakt),
                {"action": "more_info", "more_info-message": "Kva med budsjettet?"},
            )
        assert response.status_code == 200
        form = response.context["screening_forms"]["more_info"]
        assert form.errors == {
            "steps": ["Choose the parts of the application the applicant may change."]
        }
        assert response.context["error_list"] == [
            (
                "id_more_info-steps_0",
                "Choose the parts of the application the applicant may change.",
            )
        ]
        assert 'role="alert"' in response.text
        assert "Kva med budsjettet?</textarea>" in response.text
        assert refreshed(bergen.legevakt).status == "submitted"
        assert (status_log(bergen.legevakt), mailoutbox) == ([], [])

    def test_reject_with_a_reason(
        self, client, world, bergen, mailoutbox, django_capture_on_commit_callbacks
    ):
        client.force_login(world.sigrid)
        reason = "Søknaden kom etter fristen."
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                screen_url(bergen.ambulanse), {"action": "reject", "reject-reason": reason}
            )
        assert response.status_code == 302
        assert refreshed(bergen.ambulanse).status == "rejected"
        assert status_log(bergen.ambulanse) == [("complete", "rejected", world.sigrid.pk, reason)]
        assert [(m.to, reason in m.body) for m in mailoutbox] == [
            ([bergen.ambulanse.owner.email], True)
        ]

    def test_reject_without_a_reason_is_refused(self, client, world, bergen, mailoutbox):
        in_english(client)
        client.force_login(world.sigrid)
        response = client.post(
            screen_url(bergen.legevakt), {"action": "reject", "reject-reason": "   "}
        )
        assert response.status_code == 200
        assert response.context["screening_forms"]["reject"].errors == {
            "reason": ["Give the reason for the rejection."]
        }
        assert "Give the reason for the rejection." in response.text
        assert 'role="alert"' in response.text
        assert refreshed(bergen.legevakt).status == "submitted"
        assert (status_log(bergen.legevakt), mailoutbox) == ([], [])

    def test_a_transition_the_status_does_not_allow_is_shown_not_failed(
        self, client, world, bergen
    ):
        in_english(client)
        client.force_login(world.sigrid)
        response = client.post(screen_url(bergen.ambulanse), {"action": "complete"})
        assert response.status_code == 200
        assert response.context["error_list"] == [
            ("complete-form", "An application that is “Complete” cannot become “Complete”.")
        ]
        assert status_log(bergen.ambulanse) == []

    @pytest.mark.parametrize("data", [{}, {"action": "approve"}])
    def test_an_unknown_action_is_shown_not_failed(self, client, world, bergen, data):
        in_english(client)
        client.force_login(world.sigrid)
        response = client.post(screen_url(bergen.legevakt), data)
        assert response.status_code == 200
        assert response.context["error_list"] == [
            ("screening", "Choose one of the screening actions.")
        ]
        assert refreshed(bergen.legevakt).status == "submitted"

    def test_only_the_communitys_secretariat_may_screen(self, client, world, bergen):
        statuses = {}
        for who, user in {
            "the applicant": bergen.legevakt.owner,
            "committee member": world.kari,
            "no role": world.per,
            "other community's secretariat": world.ola,
        }.items():
            client.force_login(user)
            statuses[who] = client.post(
                screen_url(bergen.legevakt), {"action": "complete"}
            ).status_code
        assert statuses == {
            "the applicant": 404,
            "committee member": 404,
            "no role": 404,
            "other community's secretariat": 404,
        }
        assert refreshed(bergen.legevakt).status == "submitted"

    def test_get_is_not_allowed(self, client, world, bergen):
        client.force_login(world.sigrid)
        assert client.get(screen_url(bergen.legevakt)).status_code == 405

    def test_the_secretariat_page_links_each_rounds_table(self, client, world, bergen):
        client.force_login(world.sigrid)
        response = client.get(reverse("secretariat", kwargs={"community": "bergen"}))
        assert f'href="{table_url(bergen.round)}"' in response.text
