"""Issue 13's acceptance, measured in the browser on the ten key pages at 375 and 1280 px:

- no page scrolls sideways (``scrollWidth`` of the document ≤ the viewport's width);
- the service header is one line at 1280 px for the person with the most roles (secretariat,
  committee, finance, decision body and applicant in Bergen);
- a text input's border, its keyboard focus ring and a score control's border contrast ≥ 3:1
  with the page behind them (WCAG 1.4.11), computed from ``getComputedStyle``;
- after a score is saved with htmx, focus is still in the scoring form (WCAG 2.4.3);
- axe finds no violation of any impact on any page loaded (``browse``, tests/browser/conftest.py).

One test per width: one browser context, one log-in, every page visited once. Each check is
recorded rather than asserted on the spot, so one run reports every page that fails and what
was measured there.
"""

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from playwright.sync_api import expect

from komite import services as committee
from soknad.models import Application, BudgetLine
from tilskot.models import Organisation
from tilskot.roles import Role
from tilskot.services import role_grant

from ..factories import (
    ApplicationFactory,
    BudgetLineFactory,
    CriterionFactory,
    OrganisationFactory,
    RoundFactory,
    UserFactory,
    make_grant,
)
from .test_decision_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [375, 1280]
HEADER_MAX_HEIGHT = 72  # px: one line of the tallest control (a small button) plus padding
MIN_NON_TEXT_CONTRAST = 3.0  # WCAG 1.4.11
LONG_CRITERION = (
    "I kva grad styrkjer tiltaket samhandlinga mellom kommunane og helseføretaket, "
    "og korleis blir erfaringane delte med resten av helsefellesskapet?"
)


@dataclass
class KeyWorld:
    """Bergen with a person in every role, and the ids of the ten key pages' objects."""

    email: str
    draft: Application
    case: Application  # a complete application in the round under review
    review_round_id: int
    grant_id: int
    pages: list[tuple[str, str]] = field(default_factory=list)  # (name, path)


@pytest.fixture
def key_world(world) -> KeyWorld:
    bergen = world.bergen
    pia = UserFactory(email="pia@tilskot.test", first_name="Pia Kristine", last_name="Fjeldstad")
    for role in (Role.SECRETARIAT, Role.FINANCE, Role.DECISION_BODY, Role.APPLICANT):
        role_grant(user=pia, community=bergen, role=role)
    lise = UserFactory(email="lise@tilskot.test", first_name="Lise", last_name="Haug")
    ane = UserFactory(email="ane@tilskot.test", first_name="Ane", last_name="Berg")
    with scope(community=bergen):
        scheme = world.bergen_round.scheme
        CriterionFactory(scheme=scheme, title=LONG_CRITERION)
        trust = Organisation.objects.get(kind=Organisation.Kind.HOSPITAL_TRUST)
        askoy = OrganisationFactory(community=bergen, name="Askøy kommune")
        voss = OrganisationFactory(community=bergen, name="Voss herad")
        alver = OrganisationFactory(community=bergen, name="Alver kommune")
        oygarden = OrganisationFactory(community=bergen, name="Øygarden kommune")

        # A form step: Pia's draft in the open round, with a budget of two years. Pia signs
        # for Øygarden only, which no application under review involves (no party conflict).
        draft = ApplicationFactory(
            round=world.bergen_round,
            owner=pia,
            responsible_organisation=oygarden,
            title="Felles legevakt for Askøy, Øygarden og Alver",
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2028, 12, 31),
        )
        for year, organisation, amount in ((2027, oygarden, 250_000), (2028, trust, 175_000)):
            BudgetLineFactory(
                application=draft,
                year=year,
                organisation=organisation,
                description="Prosjektleiar i halv stilling, opplæring av tilsette og reiser",
                requested_amount=amount,
            )

        # A round under review: three complete applications, two members, Lise has scored.
        closed = timezone.now() - dt.timedelta(days=5)
        review_round = RoundFactory(
            scheme=scheme,
            name="Hovudrunde 2027 – samhandlingstilskot",
            opens_at=closed - dt.timedelta(days=60),
            closes_at=closed,
            budget=1_000_000,
        )
        applications = []
        long_title = "Heimesjukehus for barn med langvarige og samansette behov"
        for title, owner, organisation, partner, requested in (
            (long_title, ane, askoy, trust, 400_000),
            ("Felles ambulant team for skrøpelege eldre på Voss", ane, voss, trust, 500_000),
            ("Kompetansenettverk for sjukepleiarar i Nordhordland", ane, alver, askoy, 300_000),
        ):
            application = Application.objects.create(
                round=review_round,
                owner=owner,
                responsible_organisation=organisation,
                title=title,
                summary=f"Samandrag: {title}.",
                description="Kommunane og sjukehuset gjer dette saman.",
                status=Application.Status.COMPLETE,
                submitted_at=closed - dt.timedelta(days=1),
                period_start=dt.date(2027, 1, 1),
                period_end=dt.date(2027, 12, 31),
            )
            application.partners.add(partner)
            BudgetLine.objects.create(
                application=application,
                year=2027,
                organisation=organisation,
                description="Prosjektleiar",
                requested_amount=requested,
            )
            applications.append(application)
        for member in (pia, lise):
            committee.member_appoint(round_=review_round, user=member, by=world.sigrid)
        committee.review_open(
            round_=review_round,
            scoring_deadline=timezone.now() + dt.timedelta(days=14),
            by=world.sigrid,
        )
        criteria = list(scheme.criteria.all())
        for application in applications:
            for member in (pia, lise):
                committee.conflict_declare(application=application, user=member, has_conflict=False)
            committee.assessment_save(
                application=application,
                user=lise,
                scores={c.pk: (4, None, "Godt grunngitt.") for c in criteria},
                overall="Eit godt tiltak.",
                submit=True,
            )

    # A grant in a decided round: the grant page and its final report.
    with scopes_disabled():
        decided_round = RoundFactory(
            scheme=scheme,
            name="Hovudrunde 2026",
            opens_at=closed - dt.timedelta(days=400),
            closes_at=closed - dt.timedelta(days=300),
        )
        grant = make_grant(
            ApplicationFactory(
                round=decided_round,
                owner=ane,
                responsible_organisation=voss,
                title="Tryggare overgangar for barn med kronisk sjukdom",
            ),
            amount=350_000,
        )
    case = applications[0]
    return KeyWorld(
        email=pia.email,
        draft=draft,
        case=case,
        review_round_id=review_round.pk,
        grant_id=grant.pk,
        pages=[
            ("community", "/bergen/"),
            ("form step", f"/bergen/soknad/{draft.pk}/steg/budget/"),
            ("case view", f"/bergen/soknad/{case.pk}/"),
            ("secretariat table", f"/bergen/sekretariat/runde/{review_round.pk}/soknader/"),
            ("scoring", f"/bergen/komite/soknad/{case.pk}/"),
            ("scoring overview", f"/bergen/komite/runde/{review_round.pk}/oversikt/"),
            ("recommendation", f"/bergen/sekretariat/runde/{review_round.pk}/innstilling/"),
            ("grant", f"/bergen/tilskot/{grant.pk}/"),
            ("final report", f"/bergen/tilskot/{grant.pk}/sluttrapport/"),
            ("start", "/"),
        ],
    )


# --- measuring ------------------------------------------------------------------------------

# A CSS colour as sRGB bytes and alpha, whatever syntax getComputedStyle returns (rgb(),
# color(srgb …), oklch() …): the canvas converts it.
TO_RGBA = """(color) => {
  const canvas = document.createElement("canvas");
  canvas.width = canvas.height = 1;
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, 1, 1);
  context.fillStyle = color;
  context.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = context.getImageData(0, 0, 1, 1).data;
  return [r, g, b, a / 255];
}"""

# The backgrounds behind an element, innermost first, up to the root.
BACKGROUNDS = """(element) => {
  const colours = [];
  for (let node = element.parentElement; node; node = node.parentElement) {
    colours.push(getComputedStyle(node).backgroundColor);
  }
  return colours;
}"""

# Every visible control of the header bar with its box, to see whether they share a line.
HEADER_CONTROLS = """(bar) => {
  const box = bar.getBoundingClientRect();
  const controls = [...bar.querySelectorAll("a, button, summary, select, input")]
    .filter((c) => c.checkVisibility({visibilityProperty: true}) && c.getClientRects().length)
    .map((c) => {
      const r = c.getBoundingClientRect();
      return {text: (c.innerText || c.value || c.getAttribute("aria-label") || "").trim(),
              top: r.top, bottom: r.bottom};
    });
  return {height: box.height, controls};
}"""


def relative_luminance(rgb) -> float:
    def channel(value):
        value /= 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first, second) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def over(top, bottom):
    """``top`` (r, g, b, alpha) composited over the opaque ``bottom``."""
    alpha = top[3]
    return tuple(alpha * t + (1 - alpha) * b for t, b in zip(top[:3], bottom[:3], strict=True))


def page_background(page, element):
    """The opaque colour behind ``element``: its ancestors' backgrounds composited over white."""
    colour = (255, 255, 255)
    for css in reversed(element.evaluate(BACKGROUNDS)):
        colour = over(page.evaluate(TO_RGBA, css), colour)
    return colour


def rgba(page, css: str):
    return page.evaluate(TO_RGBA, css)


class Findings:
    """Failed checks, each with the page and the value measured; asserted once at the end."""

    def __init__(self, width: int):
        self.width = width
        self.failures: list[str] = []
        self.measured: list[str] = []

    def check(self, ok: bool, page_name: str, what: str) -> None:
        line = f"[{self.width}px] {page_name}: {what}"
        self.measured.append(line)
        if not ok:
            self.failures.append(line)


# The outermost elements that stick out to the right of the viewport, widest first: what makes
# the page scroll sideways (named by tag, id and classes).
WIDE_ELEMENTS = """() => {
  const limit = window.innerWidth + 0.5;
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + [...e.classList].map((c) => "." + c).join("");
  const wide = [...document.body.querySelectorAll("*")].filter((e) => {
    const right = e.getBoundingClientRect().right;
    const parent = e.parentElement.getBoundingClientRect().right;
    return right > limit && parent <= limit && e.checkVisibility();
  });
  return wide
    .map((e) => [e.getBoundingClientRect().right, name(e.parentElement) + " > " + name(e)])
    .sort((a, b) => b[0] - a[0])
    .slice(0, 3)
    .map(([right, path]) => path + " (right edge " + Math.round(right) + " px)");
}"""


def measure_overflow(page, findings: Findings, name: str) -> None:
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    culprits = page.evaluate(WIDE_ELEMENTS) if scroll_width > inner_width else []
    findings.check(
        scroll_width <= inner_width,
        name,
        f"scrollWidth {scroll_width} px, viewport {inner_width} px"
        + (f"; too wide: {'; '.join(culprits)}" if culprits else ""),
    )


def measure_header(page, findings: Findings, name: str) -> None:
    bar = page.locator("header.service-header .bar")
    if not bar.count():
        findings.check(False, name, "no header.service-header .bar")
        return
    box = bar.evaluate(HEADER_CONTROLS)
    controls = box["controls"]
    # One line: every control overlaps every other vertically (the lowest top is above the
    # highest bottom), and the bar is no taller than one line of controls and its padding.
    one_row = not controls or max(c["top"] for c in controls) < min(c["bottom"] for c in controls)
    rows = sorted({round(c["top"]) for c in controls})
    findings.check(
        box["height"] <= HEADER_MAX_HEIGHT and one_row,
        name,
        f"header {box['height']:.0f} px high (≤ {HEADER_MAX_HEIGHT}), controls at tops {rows}",
    )


def measure_border(page, findings: Findings, name: str, control, what: str):
    """The contrast of ``control``'s border with the page behind it; returns that background."""
    background = page_background(page, control.element_handle())
    style = control.evaluate(
        "(e) => { const s = getComputedStyle(e); return [s.borderTopColor, s.borderTopWidth]; }"
    )
    border = over(rgba(page, style[0]), background)
    ratio = contrast(border, background)
    findings.check(
        ratio >= MIN_NON_TEXT_CONTRAST and style[1] != "0px",
        name,
        f"{what} border {style[0]} ({style[1]}) on rgb{tuple(round(v) for v in background)}: "
        f"{ratio:.2f}:1",
    )
    return background


def measure_input_contrast(page, findings: Findings, name: str) -> None:
    """The first visible text input: its border, and its focus ring when reached by Tab."""
    field_ = page.locator(
        "main input[type=text]:visible, main input:not([type]):visible, main textarea:visible"
    ).first
    if not field_.count():
        findings.check(False, name, "no text input to measure")
        return
    background = measure_border(page, findings, name, field_, "text input")
    # Reach it by keyboard: focus it, step back with Shift+Tab, forward with Tab.
    field_.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    focused = field_.evaluate("(e) => e === document.activeElement && e.matches(':focus-visible')")
    ring = field_.evaluate(
        "(e) => { const s = getComputedStyle(e);"
        " return [s.outlineColor, s.outlineStyle, s.outlineWidth, s.boxShadow]; }"
    )
    outline_colour, outline_style, outline_width, shadow = ring
    has_outline = outline_style != "none" and outline_width not in ("0px", "")
    ratio = contrast(over(rgba(page, outline_colour), background), background)
    findings.check(
        focused and has_outline and ratio >= MIN_NON_TEXT_CONTRAST,
        name,
        f"focus ring (Tab, :focus-visible {focused}): outline {outline_style} {outline_width} "
        f"{outline_colour}, {ratio:.2f}:1 (box-shadow {shadow})",
    )


def measure_focus_after_save(page, findings: Findings, name: str) -> None:
    """Score the first criterion, click Save (htmx swaps the form), see where focus is."""
    form = page.locator("#scoring form")
    radio = form.locator("input[type=radio]:not(:checked)").first
    measure_border(page, findings, name, radio, "score control (radio)")
    form.locator("input[type=radio][value='3']").first.check()
    with page.expect_response(lambda r: r.request.method == "POST"):
        form.locator("button[name=save]").click()
    expect(page.locator("#scoring [role=status]").first).to_be_visible()
    page.wait_for_timeout(300)  # htmx settles (and any focus handling runs) after the swap
    where = page.evaluate(
        """() => {
          const a = document.activeElement;
          const described = a ? a.tagName.toLowerCase() + (a.id ? "#" + a.id : "")
            + (a.name ? "[name=" + a.name + "]" : "") : "none";
          return [described, !!(a && a !== document.body && a.closest("#scoring"))];
        }"""
    )
    findings.check(where[1], name, f"focus after an htmx save on {where[0]}")


@pytest.mark.parametrize("width", WIDTHS)
def test_key_pages(width, browse, axe_audit, live_server, key_world):
    page = browse("/")
    page.set_viewport_size({"width": width, "height": 900})
    findings = Findings(width)
    page.reload()

    # The anonymous start page: no overflow, and its header is the one-line baseline.
    measure_overflow(page, findings, "start (anonymous)")
    if width > 1024:
        measure_header(page, findings, "start (anonymous)")

    log_in(page, live_server.url, key_world.email, key_world.pages[0][1])
    for name, path in key_world.pages:
        if page.url != f"{live_server.url}{path}":
            response = page.goto(f"{live_server.url}{path}")
            if response.status != 200:
                findings.check(False, name, f"{path} answered {response.status}")
                continue
        measure_overflow(page, findings, name)
        if width > 1024:
            measure_header(page, findings, name)
        if name == "form step":
            measure_input_contrast(page, findings, name)
        if name == "scoring":
            measure_focus_after_save(page, findings, name)
            measure_overflow(page, findings, "scoring (after save)")
            axe_audit()  # the page as htmx left it, with the save's status
        elif not axe_audit.checked or axe_audit.checked[-1] != page.url:
            # The load handler skips a page when the test moves on while axe runs: check
            # every key page here, whatever the race.
            axe_audit()

    findings.measured.append(f"[{width}px] axe checked {len(axe_audit.checked)} pages")
    print("\n".join(findings.measured))  # shown with -s, and with the failure below
    assert not findings.failures, "\n".join(
        ["failed checks:", *findings.failures, "", "all measurements:", *findings.measured]
    )


def test_contrast_helpers_agree_with_wcag():
    """The contrast formula against known pairs: black on white 21:1, #767676 on white 4.54:1."""
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast((0x76, 0x76, 0x76), (255, 255, 255)) == pytest.approx(4.54, abs=0.01)
    assert over((0, 0, 0, 0.5), (255, 255, 255)) == pytest.approx((127.5, 127.5, 127.5))
