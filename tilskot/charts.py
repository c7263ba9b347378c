"""Pictures of numbers, drawn on the server as SVG: data in, an SVG string out.

Why server-rendered SVG and not a JavaScript chart library: the Content-Security-Policy stays
strict (``script-src 'self'``, ``style-src 'self'``; no inline script or style anywhere). The
SVG here uses only presentation attributes (``fill=``, ``stroke=``, ``font-size=``), which are
attributes of the drawing, not CSS in a ``style`` attribute, so the CSP's ``style-src`` does not
apply to them; no ``style`` attribute or ``<style>`` element is ever written. A page with a
picture works without JavaScript, prints as it shows (vector, the colours are fills, not
backgrounds), costs no extra request or npm dependency, and is tested in Python like any
other output (tests/test_charts.py parses it as XML and checks it against its table).

The four shapes the pages need:
- ``bar_chart``: horizontal bars, the label above each bar (it wraps to two lines, and is
  shortened after that: the full name is in the table beside the picture), the value after it;
- ``grouped_bar_chart``: the same, a group per label with one bar per series (e.g. per year);
- ``strip_plot``: one row per criterion, a dot for each member's score on the criterion's scale
  (e.g. 1–5), a line from the lowest to the highest score and a mark at the mean;
- ``step_chart``: a running sum as a step line, with a dashed reference line (the money
  available).

Each SVG has ``role="img"`` and ``aria-labelledby`` pointing at its own short ``<title>``; its
drawing is hidden from screen readers by that role, so every page that shows a picture also
shows the same numbers as a table (templates/charts/). The colours are Designsystemet's
(the default theme's light mode): every bar, dot and line that carries a number is at least
3:1 against white (WCAG 1.4.11) and every text at least 4.5:1 (1.4.3); tests/test_charts.py
computes both. The SVG sizes itself by its ``width``/``viewBox`` and shrinks with the page
(``max-width: 100%`` in tilskot.css), so it never makes a phone's page scroll sideways.

This module is the core's: it knows nothing of applications or grants. The stage that owns
the numbers picks them (``soknad/charts.py``, ``komite/charts.py``, ``rapport/charts.py``) and
formats them (``nok`` for kroner) before it calls a function here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# --- colours (Designsystemet, default theme, light mode) -------------------------------------
TEXT = "#292c30"  # neutral text-default, 13.9:1 on white
TEXT_SUBTLE = "#5b5d60"  # neutral text-subtle, 6.6:1
AXIS = "#5b5d60"  # neutral border-strong: axis lines and ticks, 6.6:1
GRID = "#cdcecf"  # neutral border-subtle-ish: decoration only (no number is read from it)
ACCENT = "#0062ba"  # accent base-default, 6.2:1
DANGER = "#c01b1b"  # danger base-default, 6.3:1
# Series colours, in order: accent, brand1 (green), brand2 (purple), warning border-strong
# (brown), danger, neutral. Each is at least 3:1 against white; bars next to each other are
# also told apart by their labels, never by colour alone.
SERIES = ["#0062ba", "#0d7a5f", "#5b3fa0", "#80540f", "#c01b1b", "#5b5d60"]
# Every colour that draws a mark (bar, dot, line) and every colour that draws text.
MARK_COLOURS = [*SERIES, ACCENT, DANGER, AXIS]
TEXT_COLOURS = [TEXT, TEXT_SUBTLE, DANGER]

FONT = 14  # px at the SVG's natural width
SMALL = 12
CHAR = 0.56  # the average width of a character of Inter, in ems (to wrap and shorten labels)


def relative_luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str = "#ffffff") -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    a, b = sorted((relative_luminance(one), relative_luminance(other)), reverse=True)
    return (a + 0.05) / (b + 0.05)


# --- labels -----------------------------------------------------------------------------------
def wrap(text: str, width: int, lines: int = 2) -> list[str]:
    """``text`` in at most ``lines`` lines of about ``width`` characters, broken at spaces; the
    last line ends in "…" if the text did not fit (the full text is in the table)."""
    out: list[str] = []
    current = ""
    cut = False
    for word in str(text).split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= width or not current:
            current = candidate
            continue
        out.append(current)
        current = word
        if len(out) == lines:
            cut = True
            break
    if not cut and current:
        out.append(current)
    out = [line if len(line) <= width else line[: width - 1] + "…" for line in out]
    if cut and not out[-1].endswith("…"):
        out[-1] = out[-1][: width - 1].rstrip() + "…"
    return out or [""]


def _n(value: float) -> str:
    """A coordinate, short."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _text(x, y, content, *, size=FONT, fill=TEXT, anchor="start", weight=None) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}"'
        f' text-anchor="{anchor}"{bold}>{escape(content)}</text>'
    )


def _svg(chart_id: str, title: str, width: float, height: float, body: list[str]) -> SafeString:
    """The SVG element around a drawing. Its accessible name is its ``<title>``; the drawing is
    ``role="img"``, so its parts are one picture to a screen reader (the table has the numbers).
    """
    title_id = f"{chart_id}-title"
    return mark_safe(  # noqa: S308 - every text in ``body`` and the title is escaped
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" role="img"'
        f' aria-labelledby="{escape(title_id)}" focusable="false"'
        f' width="{_n(width)}" height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}"'
        f' font-family="Inter, system-ui, sans-serif">'
        f'<title id="{escape(title_id)}">{escape(title)}</title>' + "".join(body) + "</svg>"
    )


# --- horizontal bars --------------------------------------------------------------------------
@dataclass(frozen=True)
class Bar:
    label: str  # above the bar (wrapped, shortened after two lines)
    value: float | Decimal | int  # its length
    text: str  # the value as written after the bar ("1 200 000 kr", "12")
    series: int = 0  # colour: index into SERIES


@dataclass(frozen=True)
class Group:
    label: str
    bars: Sequence[Bar]  # each bar's label is the series name (e.g. the year), at its left


WIDTH = 360  # natural width of the bar charts and strip plots (px)
VALUE_ROOM = 112  # room after the longest bar for its value ("NOK 10,000,000")
LINE = 18  # a label line's height
BAR = 16  # a bar's thickness
GAP = 12  # between rows


def _scale(values) -> float:
    top = max((float(v) for v in values), default=0.0)
    return top if top > 0 else 1.0


def bar_chart(bars: Sequence[Bar], *, chart_id: str, title: str) -> SafeString:
    """Horizontal bars from a common baseline, each with its label above and its value after
    it. Lengths are proportional to the values (0 draws no bar, only its value)."""
    top = _scale(b.value for b in bars)
    room = WIDTH - VALUE_ROOM
    body: list[str] = []
    y = 0.0
    for bar in bars:
        for line in wrap(bar.label, int((WIDTH - 4) / (FONT * CHAR))):
            y += LINE
            body.append(_text(0, y - 4, line))
        y += 4
        length = room * float(bar.value) / top
        if length > 0:
            body.append(
                f'<rect x="0" y="{_n(y)}" width="{_n(max(length, 2))}" height="{BAR}"'
                f' fill="{SERIES[bar.series % len(SERIES)]}"/>'
            )
        body.append(_text(max(length, 0) + 6, y + BAR - 3, bar.text, weight="600"))
        y += BAR + GAP
    height = max(y - GAP, LINE)
    return _svg(chart_id, title, WIDTH, height, body)


def grouped_bar_chart(groups: Sequence[Group], *, chart_id: str, title: str) -> SafeString:
    """Bars in groups: each group's label above, then one bar per series with the series'
    name at its left (so no legend is needed) and the value after it."""
    top = _scale(b.value for g in groups for b in g.bars)
    key = 14 + max((len(b.label) for g in groups for b in g.bars), default=4) * FONT * 0.62
    room = WIDTH - VALUE_ROOM - key
    body: list[str] = []
    y = 0.0
    for group in groups:
        for line in wrap(group.label, int((WIDTH - 4) / (FONT * CHAR))):
            y += LINE
            body.append(_text(0, y - 4, line, weight="600"))
        y += 4
        for bar in group.bars:
            body.append(_text(key - 8, y + BAR - 3, bar.label, fill=TEXT_SUBTLE, anchor="end"))
            length = room * float(bar.value) / top
            if length > 0:
                body.append(
                    f'<rect x="{_n(key)}" y="{_n(y)}" width="{_n(max(length, 2))}"'
                    f' height="{BAR}" fill="{SERIES[bar.series % len(SERIES)]}"/>'
                )
            body.append(_text(key + max(length, 0) + 6, y + BAR - 3, bar.text))
            y += BAR + 4
        body.append(
            f'<line x1="{_n(key + 0.5)}" y1="{_n(y - 4 - len(group.bars) * (BAR + 4))}"'
            f' x2="{_n(key + 0.5)}" y2="{_n(y - 4)}" stroke="{AXIS}"/>'
        )
        y += GAP
    return _svg(chart_id, title, WIDTH, max(y, LINE), body)


# --- a strip (dot) plot on a score scale ------------------------------------------------------
@dataclass(frozen=True)
class Strip:
    label: str  # the criterion
    counts: dict[int, int]  # score → how many members gave it
    mean: float | None
    text: str  # written at the right: the mean and spread ("3,4 (± 2)")
    flagged: bool = False  # the members disagree: dots in red and the text in bold

    @property
    def low(self) -> int | None:
        return min((v for v, c in self.counts.items() if c), default=None)

    @property
    def high(self) -> int | None:
        return max((v for v, c in self.counts.items() if c), default=None)


DOT = 4
PITCH = 9  # between the dots of one score (they touch, centred on the score)
PER_ROW = 2  # dots side by side before a new row of dots


def strip_plot(
    strips: Sequence[Strip], *, low: int, high: int, chart_id: str, title: str
) -> SafeString:
    """A row per criterion: a dot per member's score on the scale ``low``–``high`` (members who
    gave the same score sit side by side), a line from the lowest to the highest score, and a
    dark upright mark at the mean. The scale's numbers are under the last row."""
    left, right = 14.0, WIDTH - 96
    steps = max(high - low, 1)

    def x(value: float) -> float:
        return left + (right - left) * (value - low) / steps

    body: list[str] = []
    y = 0.0
    for strip in strips:
        for line in wrap(strip.label, int((WIDTH - 4) / (SMALL * CHAR))):
            y += LINE - 2
            body.append(_text(0, y - 4, line, size=SMALL + 1))
        most = max(strip.counts.values(), default=1)
        band = max(math.ceil(most / PER_ROW) * PITCH + 6, 18)
        centre = y + band / 2 + 2
        # the scale: a light line with a tick at each score
        body.append(
            f'<line x1="{_n(x(low))}" y1="{_n(centre)}" x2="{_n(x(high))}" y2="{_n(centre)}"'
            f' stroke="{GRID}"/>'
        )
        for value in range(low, high + 1):
            body.append(
                f'<line x1="{_n(x(value))}" y1="{_n(centre - 3)}" x2="{_n(x(value))}"'
                f' y2="{_n(centre + 3)}" stroke="{GRID}"/>'
            )
        colour = DANGER if strip.flagged else ACCENT
        if strip.low is not None and strip.high is not None and strip.high > strip.low:
            body.append(
                f'<line x1="{_n(x(strip.low))}" y1="{_n(centre)}" x2="{_n(x(strip.high))}"'
                f' y2="{_n(centre)}" stroke="{colour}" stroke-width="2"/>'
            )
        for value, count in sorted(strip.counts.items()):
            rows = math.ceil(count / PER_ROW)
            for i in range(count):
                row, col = divmod(i, PER_ROW)
                in_row = min(PER_ROW, count - row * PER_ROW)
                cx = x(value) + (col - (in_row - 1) / 2) * PITCH
                cy = centre + (row - (rows - 1) / 2) * PITCH
                body.append(
                    f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{DOT}" fill="{colour}"'
                    f' stroke="#ffffff" stroke-width="1"/>'
                )
        if strip.mean is not None:
            body.append(
                f'<line x1="{_n(x(strip.mean))}" y1="{_n(centre - band / 2)}"'
                f' x2="{_n(x(strip.mean))}" y2="{_n(centre + band / 2)}" stroke="{TEXT}"'
                f' stroke-width="2.5"/>'
            )
        body.append(
            _text(
                WIDTH,
                centre + 5,
                strip.text,
                fill=DANGER if strip.flagged else TEXT,
                anchor="end",
                weight="700" if strip.flagged else None,
            )
        )
        y += band + 4 + GAP
    for value in range(low, high + 1):  # the scale's numbers, once, under the last row
        body.append(
            _text(x(value), y + 2, str(value), size=SMALL, fill=TEXT_SUBTLE, anchor="middle")
        )
    return _svg(chart_id, title, WIDTH, y + 8, body)


# --- a running sum as steps, against a reference ---------------------------------------------
@dataclass(frozen=True)
class Step:
    label: str  # under the axis (the place: "1", "2", …)
    value: float | Decimal  # the running sum after this step


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``: 0, 2 500 000, 5 000 000, …"""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(top / step - 1e-9) + 1)]


def step_chart(
    steps: Sequence[Step],
    *,
    reference: float | Decimal | None,
    reference_text: str,
    axis_text: Callable[[float], str],
    steps_text: str = "",
    chart_id: str,
    title: str,
) -> SafeString:
    """The running sum after each step as a line of steps rising from 0, a dot at the end of
    each step (a square, in red, once it is over the reference), and the reference as a dashed
    line with its text. ``axis_text`` writes a value on the vertical axis (e.g. ``nok``);
    ``steps_text`` names the horizontal one."""
    width, height = 480.0, 284.0
    top_value = max([float(s.value) for s in steps] + [float(reference or 0)])
    ticks = nice_ticks(top_value * 1.04)
    labels = [axis_text(t) for t in ticks]
    left = 10 + max(len(label) for label in labels) * SMALL * CHAR
    right, top, bottom = width - 12, 34.0, height - 44

    def y(value: float) -> float:
        return bottom - (bottom - top) * float(value) / ticks[-1]

    n = max(len(steps), 1)
    slot = (right - left) / n

    def x(i: float) -> float:  # the middle of step i (0-based)
        return left + slot * (i + 0.5)

    body: list[str] = []
    for tick, label in zip(ticks, labels, strict=True):
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(y(tick))}" x2="{_n(right)}" y2="{_n(y(tick))}"'
            f' stroke="{GRID}"/>'
        )
        body.append(_text(left - 6, y(tick) + 4, label, size=SMALL, fill=TEXT_SUBTLE, anchor="end"))
    body.append(
        f'<line x1="{_n(left)}" y1="{_n(bottom)}" x2="{_n(right)}" y2="{_n(bottom)}"'
        f' stroke="{AXIS}"/>'
    )
    every = max(1, math.ceil(n / 20))
    for i, step in enumerate(steps):
        if i % every == 0 or i == n - 1:
            body.append(
                _text(x(i), bottom + 16, step.label, size=SMALL, fill=TEXT_SUBTLE, anchor="middle")
            )
    if steps_text:  # what the steps are, under their labels
        body.append(_text((left + right) / 2, height - 6, steps_text, size=SMALL, anchor="middle"))
    if steps:
        path = [f"M{_n(left)} {_n(bottom)}"]
        for i, step in enumerate(steps):
            path.append(f"H{_n(x(i))}V{_n(y(step.value))}")
        path.append(f"H{_n(right)}")
        body.append(f'<path d="{"".join(path)}" fill="none" stroke="{ACCENT}" stroke-width="2.5"/>')
    if reference is not None:
        ry = y(reference)
        body.append(
            f'<line x1="{_n(left)}" y1="{_n(ry)}" x2="{_n(right)}" y2="{_n(ry)}"'
            f' stroke="{TEXT}" stroke-width="2" stroke-dasharray="6 4"/>'
        )
        body.append(_text(left + 4, ry - 7, reference_text, size=SMALL + 1, weight="600"))
    for i, step in enumerate(steps):
        over = reference is not None and float(step.value) > float(reference)
        cx, cy = x(i), y(step.value)
        if over:
            body.append(
                f'<rect x="{_n(cx - 5)}" y="{_n(cy - 5)}" width="10" height="10" fill="{DANGER}"'
                f' stroke="#ffffff" stroke-width="1"/>'
            )
        else:
            body.append(
                f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="5" fill="{ACCENT}" stroke="#ffffff"'
                f' stroke-width="1"/>'
            )
    return _svg(chart_id, title, width, height, body)


# --- what the templates show: the picture and its table --------------------------------------
@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # indexes of right-aligned columns
    header: int = 0  # the index of the cell that heads its row (th scope="row")

    @property
    def cells(self):
        """Each row as (text, is the row's header, is a number), for the template."""
        return [
            [(text, i == self.header, i in self.numeric) for i, text in enumerate(row)]
            for row in self.rows
        ]

    @property
    def heads(self):
        return [(text, i in self.numeric) for i, text in enumerate(self.columns)]


@dataclass
class Chart:
    """One picture as a page shows it (templates/charts/_figure.html): a caption, the SVG, a
    note on how to read it, and the same numbers as a table. ``svg`` is None when there is
    nothing to draw; ``empty`` then says why ("No scores yet.")."""

    chart_id: str
    caption: str
    svg: SafeString | None
    table: Table | None
    empty: str = ""
    note: str = ""
