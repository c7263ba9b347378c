"""The committee stage's pictures (drawn by ``tilskot.charts``, shown by templates/charts/):

- on the scoring overview, where the members disagree: each application's scores per
  criterion, a dot per member on the criterion's scale;
- on the recommendation, the running sum of the recommended amounts in the recommended order
  against the money available in the round.

Neither reads anything its page has not read already."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tilskot.charts import Chart, Step, Strip, Table, step_chart, strip_plot
from tilskot.models import Criterion
from tilskot.templatetags.tilskot import nok

from .models import RecommendationItem
from .selectors import Row

# Members this many points apart on a criterion disagree (dots in red, the spread in bold).
DISAGREE = 2
# At most this many applications get a picture (those where the members disagree most); the
# table above the pictures has every application.
MOST = 20


@dataclass
class Spread:
    """One application's picture on the scoring overview."""

    chart_id: str
    application: str
    rank: int | None
    svg: str


@dataclass
class SpreadCharts:
    caption: str
    note: str
    pictures: list[Spread]
    table: Table | None
    empty: str = ""


def _mean(value: float | None) -> str:
    return "–" if value is None else number_format(value, 1)


def _spread_text(mean: float | None, spread: int | None) -> str:
    if mean is None:
        return "–"
    return f"{_mean(mean)} (± {spread or 0})"


def score_spread(rows: list[Row], criteria: list[Criterion], *, most: int = MOST) -> SpreadCharts:
    """The scores of the applications the viewer may see, per scored criterion, from the rows
    of ``selectors.dashboard``: which member gave what is not shown, only how many gave each
    score (``CriterionStats.given``). No query of its own."""
    scored = [c for c in criteria if c.kind == Criterion.Kind.SCORED]
    with_scores = [r for r in rows if r.visible and any(c.pk in r.stats for c in scored)]
    caption = _("Where the members disagree: each member's score per criterion")
    if not scored or not with_scores:
        return SpreadCharts(caption, "", [], None, empty=_("No scores yet."))

    def disagreement(row: Row):
        spreads = [row.stats[c.pk].spread or 0 for c in scored if c.pk in row.stats]
        return (-max(spreads, default=0), -sum(spreads))

    shown = with_scores
    if len(with_scores) > most:
        chosen = {id(r) for r in sorted(with_scores, key=disagreement)[:most]}
        shown = [r for r in with_scores if id(r) in chosen]  # still in rank order
        caption = ngettext(
            "Where the members disagree: the %(n)d application with the widest spread of "
            "scores, of %(total)d",
            "Where the members disagree: the %(n)d applications with the widest spread of "
            "scores, of %(total)d",
            most,
        ) % {"n": most, "total": len(with_scores)}
    low = min(c.score_min for c in scored)
    high = max(c.score_max for c in scored)
    pictures, table_rows = [], []
    for row in shown:
        strips = []
        for number, criterion in enumerate(scored, start=1):
            stat = row.stats.get(criterion.pk)
            given = stat.given if stat else {}
            spread = stat.spread if stat else None
            strips.append(
                Strip(
                    label=f"{number}. {criterion.title}",
                    counts=given,
                    mean=stat.mean if stat else None,
                    text=_spread_text(stat.mean if stat else None, spread),
                    flagged=(spread or 0) >= DISAGREE,
                )
            )
            scores = ", ".join(str(value) for value, n in sorted(given.items()) for _i in range(n))
            table_rows.append(
                [
                    str(row.application),
                    f"{number}. {criterion.title}",
                    scores or "–",
                    str(min(given)) if given else "–",
                    str(max(given)) if given else "–",
                    _mean(stat.mean if stat else None),
                ]
            )
        chart_id = f"spread-{row.application.pk}"
        pictures.append(
            Spread(
                chart_id=chart_id,
                application=str(row.application),
                rank=row.rank,
                svg=strip_plot(
                    strips,
                    low=low,
                    high=high,
                    chart_id=chart_id,
                    title=_("Scores for %(application)s") % {"application": row.application},
                ),
            )
        )
    note = _(
        "Each dot is one member's score on the scale from %(low)d to %(high)d; the upright mark "
        "is the mean, and the line runs from the lowest score to the highest. Red dots and a "
        "bold spread: the members are %(apart)d points or more apart."
    ) % {"low": low, "high": high, "apart": DISAGREE}
    table = Table(
        caption=_("Each member's score per criterion, in the pictures' order"),
        columns=[
            _("Application"),
            _("Criterion"),
            _("Scores"),
            _("Lowest"),
            _("Highest"),
            _("Mean"),
        ],
        rows=table_rows,
        numeric={3, 4, 5},
    )
    return SpreadCharts(caption, note, pictures, table)


def running_sum(items: list[RecommendationItem], budget: Decimal | None) -> Chart:
    """The recommended grants in the recommended order, with the running sum of their amounts
    against the money available (the items are read by the page already: no query)."""
    chart_id = "running-sum"
    caption = _("The recommended amounts added up in the recommended order")
    granted = [i for i in sorted(items, key=lambda i: (i.order, i.pk)) if i.grant]
    if not any(i.amount for i in granted):
        return Chart(chart_id, caption, None, None, empty=_("No amount is recommended yet."))
    steps, rows = [], []
    running = Decimal(0)
    for item in granted:
        running += item.amount or 0
        steps.append(Step(str(item.order), running))
        within = budget is None or running <= budget
        rows.append(
            [
                str(item.order),
                str(item.application),
                nok(item.amount or 0),
                nok(running),
                _("Yes") if within else _("No"),
            ]
        )
    if budget is None:
        reference_text = ""
        note = _("The round has no amount of money available set.")
    else:
        reference_text = _("Money available: %(amount)s") % {"amount": nok(budget)}
        left = budget - running
        note = (
            _("Left after the last recommended grant: %(amount)s.") % {"amount": nok(left)}
            if left >= 0
            else _("Over the money available by %(amount)s: red squares are over.")
            % {"amount": nok(-left)}
        )
    svg = step_chart(
        steps,
        reference=budget,
        reference_text=reference_text,
        axis_text=lambda v: nok(Decimal(str(round(v)))),
        steps_text=_("Place in the recommendation"),
        chart_id=chart_id,
        title=_("Running sum of the recommended amounts against the money available"),
    )
    table = Table(
        caption=_("The recommended grants in order, with the running sum"),
        columns=[
            _("Place"),
            _("Application"),
            _("Amount"),
            _("Running sum"),
            _("Within the money available"),
        ],
        rows=rows,
        numeric={2, 3},
        header=1,
    )
    return Chart(chart_id, caption, svg, table, note=note)
