"""The report stage's picture, on the status report page: the money granted per priority area
and year (the year of the decision, as the status report counts its years). Drawn by
``tilskot.charts.grouped_bar_chart``, shown by templates/charts/granted.html. One query."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Count, F, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from tilskot.charts import Bar, Chart, Group, Table, grouped_bar_chart
from tilskot.templatetags.tilskot import nok
from utbetaling.models import Grant


def granted_by_area() -> Chart:
    """Every grant of the community (the request's scope), its amount summed per priority area
    of its application and per year of decision. A grant whose application names two areas
    counts in both; areas of the same name in different schemes are one."""
    chart_id = "granted-by-area"
    caption = _("Money granted per priority area and year")
    sums: dict[str, dict[int, tuple[Decimal, int]]] = {}
    for year, area, total, n in (
        Grant.objects.filter(decision_item__decision__decided_on__isnull=False)
        .values_list(
            ExtractYear("decision_item__decision__decided_on"),
            F("application__priority_areas__name"),
        )
        .annotate(total=Sum("amount"), n=Count("pk"))
        .order_by()
    ):
        name = area or _("No priority area")
        sums.setdefault(name, {})[year] = (total or Decimal(0), n)
    if not sums:
        return Chart(chart_id, caption, None, None, empty=_("No grant yet."))
    years = sorted({year for per_year in sums.values() for year in per_year})
    areas = sorted(sums, key=lambda a: (-sum(t for t, _n in sums[a].values()), a.lower()))
    groups = [
        Group(
            area,
            [
                Bar(str(year), amount, nok(amount), series=i)
                for i, year in enumerate(years)
                for amount in [sums[area].get(year, (Decimal(0), 0))[0]]
            ],
        )
        for area in areas
    ]
    table = Table(
        caption=caption,
        columns=[_("Priority area"), *(str(year) for year in years), _("Total")],
        rows=[
            [
                area,
                *(nok(sums[area].get(year, (Decimal(0), 0))[0]) for year in years),
                nok(sum((t for t, _n in sums[area].values()), start=Decimal(0))),
            ]
            for area in areas
        ],
        numeric=set(range(1, len(years) + 2)),
    )
    return Chart(
        chart_id,
        caption,
        grouped_bar_chart(groups, chart_id=chart_id, title=caption),
        table,
        note=_(
            "The year is the year of the decision. A grant whose application names more than "
            "one priority area counts in each."
        ),
    )
