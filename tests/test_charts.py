"""The pictures (issue 13, point 4): server-rendered SVG from ``tilskot.charts``, each beside a
table with the same numbers. The SVG is well-formed XML with an accessible name and no CSS (the
CSP stays strict), its colours have the contrast WCAG asks, the numbers drawn are the numbers
in the table, nothing misleading is drawn without data, and each picture costs a fixed number
of queries."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django_scopes import scope, scopes_disabled

from komite import charts as komite_charts
from komite import selectors
from komite.models import Assessment, Membership, Recommendation, RecommendationItem, Score
from rapport import charts as rapport_charts
from soknad import charts as soknad_charts
from soknad.models import Application, BudgetLine
from soknad.selectors import applications_table, applications_table_figures
from tilskot import charts

from .factories import ApplicationFactory, OrganisationFactory, UserFactory, make_grant
from .utils import count_queries

SVG = "{http://www.w3.org/2000/svg}"
NBSP = re.compile(r"[\u00a0\u202f]")


def say(language: str, text: str, **values) -> str:
    """``text`` as the page says it in ``language`` (new texts may not be translated yet)."""
    with translation.override(language):
        return NBSP.sub(" ", gettext(text) % values if values else gettext(text))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, under test


def texts(root: ET.Element) -> list[str]:
    return [NBSP.sub(" ", t.text or "") for t in root.iter(f"{SVG}text")]


def colours(root: ET.Element) -> set[str]:
    return {
        value
        for element in root.iter()
        for name in ("fill", "stroke")
        if (value := element.get(name)) and value != "none"
    }


def svgs(page: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", page, re.S)


def table_rows(page: str, caption_id: str) -> list[list[str]]:
    """The rows (cells' text) of the table captioned ``caption_id`` (in its region)."""
    start = page.index(f'aria-labelledby="{caption_id}"')
    table = re.search(r"<table\b.*?</table>", page[start:], re.S).group(0)
    assert f'<caption id="{caption_id}">' in table
    body = re.search(r"<tbody>(.*?)</tbody>", table, re.S).group(1)
    return [
        [NBSP.sub(" ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<t[hd]\b[^>]*>(.*?)</t[hd]>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
        )
    ]


def assert_accessible(root: ET.Element):
    """role="img", named by its own <title>; no style attribute or element anywhere."""
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text
    assert root.get("aria-labelledby") == title.get("id")
    assert root.get("viewBox")
    assert root.get("width")
    assert all("style" not in element.attrib for element in root.iter())
    assert root.find(f".//{SVG}style") is None


# --- the drawing itself ---------------------------------------------------------------------
class TestDrawing:
    def test_every_shape_is_well_formed_named_and_free_of_css(self):
        drawn = [
            charts.bar_chart(
                [charts.Bar("Barn & unge <sårbare>", 3, "3"), charts.Bar("Eldre", 0, "0")],
                chart_id="a",
                title="Søknader etter status",
            ),
            charts.grouped_bar_chart(
                [charts.Group("Rus", [charts.Bar("2025", 10, "10 kr", 0)])],
                chart_id="b",
                title="Tildelt",
            ),
            charts.strip_plot(
                [charts.Strip("Nytte", {2: 1, 5: 2}, 4.0, "4,0 (± 3)", flagged=True)],
                low=1,
                high=5,
                chart_id="c",
                title="Skårar",
            ),
            charts.step_chart(
                [charts.Step("1", 600), charts.Step("2", 1100)],
                reference=1000,
                reference_text="Disponibelt",
                axis_text=str,
                chart_id="d",
                title="Løpande sum",
            ),
        ]
        for svg in drawn:
            root = parse(svg)  # raises on malformed XML (an unescaped "&" or "<" would)
            assert_accessible(root)
        assert "Barn &amp; unge &lt;sårbare&gt;" in drawn[0]

    def test_bars_are_as_long_as_their_values(self):
        root = parse(
            charts.bar_chart(
                [charts.Bar("A", 4, "4"), charts.Bar("B", 2, "2"), charts.Bar("C", 0, "0")],
                chart_id="x",
                title="x",
            )
        )
        widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
        assert len(widths) == 2  # nothing drawn for 0, only its value
        assert widths[0] == pytest.approx(2 * widths[1])
        assert texts(root) == ["A", "4", "B", "2", "C", "0"]

    def test_the_strip_plot_draws_a_dot_per_score(self):
        root = parse(
            charts.strip_plot(
                [
                    charts.Strip("Nytte", {3: 2, 4: 1}, 3.33, "3,3 (± 1)"),
                    charts.Strip("Kvalitet", {1: 1, 5: 4}, 4.2, "4,2 (± 4)", flagged=True),
                ],
                low=1,
                high=5,
                chart_id="x",
                title="x",
            )
        )
        dots = list(root.iter(f"{SVG}circle"))
        assert len(dots) == 3 + 5
        assert {d.get("fill") for d in dots[3:]} == {charts.DANGER}  # they disagree
        assert "4,2 (± 4)" in texts(root)

    def test_the_step_chart_marks_the_steps_over_the_reference(self):
        root = parse(
            charts.step_chart(
                [charts.Step("1", 600), charts.Step("2", 900), charts.Step("3", 1400)],
                reference=1000,
                reference_text="Money available",
                axis_text=str,
                chart_id="x",
                title="x",
            )
        )
        assert len(list(root.iter(f"{SVG}circle"))) == 2
        squares = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.DANGER]
        assert len(squares) == 1
        assert "Money available" in texts(root)

    def test_long_labels_wrap_then_end_in_an_ellipsis(self):
        name = "Personar med alvorlege psykiske lidingar og rusmiddelproblem og mykje anna"
        lines = charts.wrap(name, 30)
        assert len(lines) == 2
        assert all(len(line) <= 30 for line in lines)
        assert lines[-1].endswith("…")
        assert charts.wrap("Rus", 30) == ["Rus"]

    def test_colours_have_the_contrast_wcag_asks_against_white(self):
        assert charts.contrast("#000000") == pytest.approx(21)
        for colour in charts.MARK_COLOURS:
            assert charts.contrast(colour) >= 3, colour  # WCAG 1.4.11, non-text
        for colour in charts.TEXT_COLOURS:
            assert charts.contrast(colour) >= 4.5, colour  # WCAG 1.4.3, text

    def test_every_colour_drawn_is_one_of_those(self):
        allowed = {*charts.MARK_COLOURS, *charts.TEXT_COLOURS, "#ffffff", charts.GRID}
        root = parse(
            charts.step_chart(
                [charts.Step("1", 5)],
                reference=3,
                reference_text="r",
                axis_text=str,
                chart_id="x",
                title="x",
            )
        )
        assert colours(root) <= allowed


# --- the pages ------------------------------------------------------------------------------
@pytest.fixture
def scored(world):
    """Østfold's round with budget 1 000 000, two complete applications (Alfa asks 600 000,
    Beta 500 000; Alfa names the priority area and has two municipalities, Beta one), and
    three members' submitted scores: Beta's first criterion 1, 3, 5 (they disagree)."""
    with scopes_disabled():
        round_ = world.ostfold_round
        round_.budget = 1_000_000
        round_.save()
        criteria = list(round_.scheme.criteria.all())
        area = round_.scheme.priority_areas.get()
        hospital = OrganisationFactory(community=world.ostfold, kind="hospital_unit")
        fredrikstad, sarpsborg = (
            OrganisationFactory(
                community=world.ostfold, kind="municipality", name=name, municipality_number=no
            )
            for name, no in (("Fredrikstad", "3107"), ("Sarpsborg", "3105"))
        )
        apps = []
        for title, requested, responsible, partners in (
            ("Alfa", 600_000, fredrikstad, [sarpsborg]),
            ("Beta", 500_000, hospital, [sarpsborg]),
        ):
            app = Application.objects.create(
                round=round_,
                owner=world.ola,
                title=title,
                status=Application.Status.COMPLETE,
                responsible_organisation=responsible,
            )
            app.partners.set(partners)
            BudgetLine.objects.create(
                application=app, year=2027, organisation=hospital, requested_amount=requested
            )
            apps.append(app)
        apps[0].priority_areas.add(area)
        values = {"Alfa": [(4, 4), (4, 3), (4, 4)], "Beta": [(1, 2), (3, 2), (5, 2)]}
        for i in range(3):
            member = Membership.objects.create(
                round=round_, user=UserFactory(email=f"m{i}@tilskot.test"), appointed_by=world.ola
            )
            for app in apps:
                assessment = Assessment.objects.create(
                    application=app, member=member, submitted_at=timezone.now()
                )
                for criterion, value in zip(criteria, values[app.title][i], strict=True):
                    Score.objects.create(assessment=assessment, criterion=criterion, value=value)
    return {"round": round_, "apps": apps, "criteria": criteria}


def test_the_scoring_overview_draws_each_score_and_its_table_has_the_same(world, client, scored):
    client.force_login(world.ola)
    page = client.get(
        reverse("komite:dashboard", kwargs={"community": "ostfold", "round": scored["round"].pk})
    ).content.decode()
    drawn = {parse(s).get("id"): parse(s) for s in svgs(page)}
    alfa, beta = (drawn[f"spread-{app.pk}"] for app in scored["apps"])
    for root in (alfa, beta):
        assert_accessible(root)
    rows = table_rows(page, "spread-table")
    # 2 applications × 2 criteria; each row: application, criterion, scores, low, high, mean
    assert [(r[0], r[2], r[3], r[4]) for r in rows] == [
        ("Alfa", "4, 4, 4", "4", "4"),
        ("Alfa", "3, 4, 4", "3", "4"),
        ("Beta", "1, 3, 5", "1", "5"),
        ("Beta", "2, 2, 2", "2", "2"),
    ]
    # a dot per score, the means as the table writes them, the disagreement in red
    assert len(list(beta.iter(f"{SVG}circle"))) == 6
    assert [t for t in texts(beta) if "±" in t] == [f"{rows[2][5]} (± 4)", f"{rows[3][5]} (± 0)"]
    assert {c.get("fill") for c in beta.iter(f"{SVG}circle")} == {charts.DANGER, charts.ACCENT}
    assert {c.get("fill") for c in alfa.iter(f"{SVG}circle")} == {charts.ACCENT}


def test_no_scores_says_so_and_draws_nothing(world, client, scored):
    with scopes_disabled():
        Score.objects.all().delete()
    client.force_login(world.ola)
    page = client.get(
        reverse("komite:dashboard", kwargs={"community": "ostfold", "round": scored["round"].pk})
    ).content.decode()
    assert say("nb", "No scores yet.") in page  # Østfold: bokmål
    assert not [s for s in svgs(page) if 'id="spread-' in s]


def test_the_recommendation_draws_the_running_sum_against_the_money_available(
    world, client, scored
):
    alfa, beta = scored["apps"]
    with scopes_disabled():
        recommendation = Recommendation.objects.create(round=scored["round"])
        for order, app, amount in ((1, beta, 500_000), (2, alfa, 600_000)):
            RecommendationItem.objects.create(
                recommendation=recommendation, application=app, order=order, grant=True,
                amount=amount,
            )  # fmt: skip
    client.force_login(world.ola)
    page = client.get(
        reverse(
            "komite:recommendation", kwargs={"community": "ostfold", "round": scored["round"].pk}
        )
    ).content.decode()
    root = parse(next(s for s in svgs(page) if 'id="running-sum"' in s))
    assert_accessible(root)
    rows = table_rows(page, "running-sum-table")
    assert rows == [
        ["1", "Beta", "500 000 kr", "500 000 kr", say("nb", "Yes")],
        ["2", "Alfa", "600 000 kr", "1 100 000 kr", say("nb", "No")],
    ]
    # one dot within the money available, one red square over it, and the line at 1 000 000
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert len([r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.DANGER]) == 1
    money = say("nb", "Money available: %(amount)s", amount="1\u202f000\u202f000\u00a0kr")
    assert money in texts(root)


def test_the_round_page_draws_status_and_money_as_its_tables_say(world, client, scored):
    client.force_login(world.ola)
    page = client.get(
        reverse("soknad:table", kwargs={"community": "ostfold", "round": scored["round"].pk})
    ).content.decode()
    drawn = {parse(s).get("id"): parse(s) for s in svgs(page)}
    for key in ("by-status", "by-priority-area", "by-municipality"):
        assert_accessible(drawn[key])
    status = table_rows(page, "by-status-table")
    assert dict(status)[say("nb", "Complete")] == "2"
    # the bars' values, in order, are the table's
    assert texts(drawn["by-status"])[1::2] == [n for _status, n in status]
    municipalities = table_rows(page, "by-municipality-table")
    assert municipalities == [
        ["Sarpsborg", "2", "1 100 000 kr"],  # a partner in both
        ["Fredrikstad", "1", "600 000 kr"],
    ]
    assert texts(drawn["by-municipality"]) == [
        "Sarpsborg",
        "1 100 000 kr",
        "Fredrikstad",
        "600 000 kr",
    ]
    areas = table_rows(page, "by-priority-area-table")
    assert [row[1:] for row in areas] == [["1", "600 000 kr"]]
    assert texts(drawn["by-priority-area"])[-1] == "600 000 kr"


def test_the_status_report_draws_money_granted_per_area_and_year(world, client):
    with scopes_disabled():
        area = world.bergen_round.scheme.priority_areas.get()
        first = ApplicationFactory(round=world.bergen_round, owner=world.kari, title="Eitt")
        first.priority_areas.add(area)
        make_grant(first, amount=150_000)
        make_grant(
            ApplicationFactory(round=world.bergen_round, owner=world.kari, title="To"),
            amount=50_000,
        )
    client.force_login(world.sigrid)
    page = client.get(reverse("rapport:status", kwargs={"community": "bergen"})).content.decode()
    root = parse(next(s for s in svgs(page) if 'id="granted-by-area"' in s))
    assert_accessible(root)
    rows = table_rows(page, "granted-by-area-table")
    assert rows == [
        [area.name, "150 000 kr", "150 000 kr"],
        [say("nn", "No priority area"), "50 000 kr", "50 000 kr"],
    ]
    assert [t for t in texts(root) if t.endswith("kr")] == ["150 000 kr", "50 000 kr"]
    assert texts(root).count("2026") == 2  # the year of the decision, by each bar


def test_an_empty_status_report_draws_nothing(world, client):
    client.force_login(world.sigrid)
    page = client.get(reverse("rapport:status", kwargs={"community": "bergen"})).content.decode()
    assert not svgs(page)


def test_each_picture_costs_a_fixed_number_of_queries(world, scored):
    """None for the scores' pictures and the running sum (their pages have read what they draw);
    one for the round page's three pictures with the table's totals, one for the status
    report's."""
    with scope(community=world.ostfold):
        round_ = scored["round"]
        rows, criteria = selectors.dashboard(round_=round_, viewer=world.ola)
        before = [
            count_queries(lambda: komite_charts.score_spread(rows, criteria))[0],
            count_queries(
                lambda: soknad_charts.round_charts(
                    applications_table_figures(
                        applications_table(round_pk=round_.pk), scheme_id=round_.scheme_id
                    )
                )
            )[0],
            count_queries(lambda: rapport_charts.granted_by_area())[0],
        ]
        for i in range(5):  # more applications, scores and municipalities
            app = Application.objects.create(
                round=round_, owner=world.ola, title=f"S{i}", status="complete",
                responsible_organisation=OrganisationFactory(
                    community=world.ostfold, kind="municipality", name=f"K{i}",
                    municipality_number=f"31{i:02d}",
                ),
            )  # fmt: skip
            BudgetLine.objects.create(
                application=app,
                year=2027,
                organisation=app.responsible_organisation,
                requested_amount=Decimal(1000 * i),
            )
            member = Membership.objects.first()
            assessment = Assessment.objects.create(
                application=app, member=member, submitted_at=timezone.now()
            )
            for criterion in criteria:
                Score.objects.create(assessment=assessment, criterion=criterion, value=3)
        rows, criteria = selectors.dashboard(round_=round_, viewer=world.ola)
        after = [
            count_queries(lambda: komite_charts.score_spread(rows, criteria))[0],
            count_queries(
                lambda: soknad_charts.round_charts(
                    applications_table_figures(
                        applications_table(round_pk=round_.pk), scheme_id=round_.scheme_id
                    )
                )
            )[0],
            count_queries(lambda: rapport_charts.granted_by_area())[0],
        ]
        items = list(RecommendationItem.objects.all())
        assert count_queries(lambda: komite_charts.running_sum(items, round_.budget))[0] == 0
    assert before == after == [0, 1, 1]
