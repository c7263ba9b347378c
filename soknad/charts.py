"""The application stage's pictures, on the secretariat's page of a round (the application
table, ``soknad:table``): the applications by status, and the money asked for by priority area
and by municipality. They show what the table's filter selects (all its pages, not only the
page of rows on screen). Drawn by ``tilskot.charts``, shown by templates/charts/round.html.

Queries: none of their own; their numbers come with the table's totals, in the one query of
``soknad.selectors.applications_table_figures``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from tilskot.charts import Bar, Chart, Table, bar_chart
from tilskot.templatetags.tilskot import nok

from .models import Application

Status = Application.Status
STATUSES = [value for value in Status.values if value != Status.DRAFT]  # the table's statuses
# At most this many municipalities get a bar (those asking for the most); the table has all.
MOST = 15


def by_status(found: list[tuple]) -> Chart:
    """How many applications have each status, in the order of the workflow (zeros too)."""
    have = dict(found)
    counts = [(value, have.get(value, 0)) for value in STATUSES]
    labels = dict(Status.choices)
    chart_id = "by-status"
    caption = _("Applications by status")
    if not any(n for _value, n in counts):
        return Chart(chart_id, caption, None, None, empty=_("No applications match."))
    bars = [Bar(str(labels[value]), n, str(n)) for value, n in counts]
    return Chart(
        chart_id,
        caption,
        bar_chart(bars, chart_id=chart_id, title=caption),
        Table(
            caption=caption,
            columns=[_("Status"), _("Applications")],
            rows=[[str(labels[value]), str(n)] for value, n in counts],
            numeric={1},
        ),
    )


def by_priority_area(found: list[tuple]) -> Chart:
    """The money asked for per priority area, in the scheme's order (zeros too)."""
    return _money_chart(
        "by-priority-area",
        _("Money asked for by priority area"),
        _("Priority area"),
        [(name, n, requested) for name, _order, n, requested in sorted(found, key=_order)],
        note=_("An application that names more than one priority area counts in each."),
        empty=_("None of these applications names a priority area."),
    )


def _order(row: tuple):
    return (row[1], str(row[0]).lower())


def by_municipality(found: list[tuple]) -> Chart:
    """The money asked for per municipality taking part, the most first; at most ``MOST``
    bars (the table has them all)."""
    taking_part = sorted(
        (row for row in found if row[1]),
        key=lambda m: (-m[2], -m[1], m[0].lower()),
    )
    note = _("An application with more than one municipality taking part counts in each.")
    if len(taking_part) > MOST:
        note += " " + _(
            "The picture shows the %(most)d asking for the most; the table has all %(all)d."
        ) % {"most": MOST, "all": len(taking_part)}
    return _money_chart(
        "by-municipality",
        _("Money asked for by municipality (responsible organisation or partner)"),
        _("Municipality"),
        taking_part,
        note=note,
        most=MOST,
        empty=_("No municipality takes part in these applications."),
    )


def _money_chart(chart_id, caption, what, items, *, note, empty, most=None) -> Chart:
    """Bars for the items some application names (the others are only in the table)."""
    named = [item for item in items if item[1]]
    if not named:
        return Chart(chart_id, caption, None, None, empty=empty)
    if len(named) < len(items):
        note += " " + _("Those no application names are only in the table.")
    bars = [Bar(name, requested, nok(requested)) for name, _n, requested in named[:most]]
    return Chart(
        chart_id,
        caption,
        bar_chart(bars, chart_id=chart_id, title=caption),
        Table(
            caption=caption,
            columns=[what, _("Applications"), _("Requested")],
            rows=[[name, str(n), nok(requested)] for name, n, requested in items],
            numeric={1, 2},
        ),
        note=note,
    )


def round_charts(figures: dict) -> list[Chart]:
    """The three pictures of the table page, from its ``applications_table_figures``."""
    return [
        by_status(figures["status"]),
        by_priority_area(figures["area"]),
        by_municipality(figures["municipality"]),
    ]
