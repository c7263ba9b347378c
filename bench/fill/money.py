"""The payment stage and the final reports of the decided rounds' grants.

``payments``: most recipients have accepted (as whom, and the account unless the costs are
booked internally); after acceptance come invoices marked with the community's project number,
or internal bookings where the payment route says so, each registered, approved, returned or
paid as far as its age allows; a few reallocations between budget lines and a few repayment
claims. ``reports``: final reports for the oldest decided round's accepted grants, drafts,
submitted, returned and approved ones; approving closes the grant.

The rows keep what the services check (``utbetaling.services``, ``rapport.services``): nothing
is paid before the conditions are accepted, the claims never exceed the amount granted, a
reallocation's lines still add up to it, a repayment claim never exceeds what was paid, an
invoice passes ``utbetaling.rules.marking_ok``, and a report past its draft has everything
``report_missing`` asks for.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from django.db.models import Exists, Max, OuterRef, QuerySet

from rapport.models import FinalReport, ReportAnswer, ReportSpending
from tilskot.dates import add_months
from tilskot.models import Organisation, ReportQuestion
from tilskot.reference import OSLO
from tilskot.validators import ACCOUNT_NUMBER_WEIGHTS, org_number_check_digit
from utbetaling.models import (
    Grant,
    GrantBudgetLine,
    Payment,
    Reallocation,
    ReallocationLine,
    RepaymentClaim,
)

from .. import world as names
from .applications import at_noon, decision_moment, shared_file
from .state import BATCH, DECIDED, CommunityFill, Fill, RoundFill

KRONE = Decimal(1)
ACCEPTED_AS = ["Prosjektleiar", "Kommunalsjef helse og omsorg", "Avdelingssjef", "Einingsleiar"]
BANKS = ["1503", "1506", "1254", "3201", "9710", "1813"]  # the account numbers' first four digits
RETURN_REASONS = [
    "Beløpet stemmer ikkje med avtalen; send ein ny faktura.",
    "Fakturaen manglar spesifikasjon av timar og utlegg.",
    "Fakturaen er stila til feil mottakar.",
]
WAITING = (Payment.Status.REGISTERED, Payment.Status.APPROVED)  # not yet settled by finance


@dataclass
class GrantFill:
    grant: Grant
    community: CommunityFill
    round: RoundFill
    oldest: bool  # in the community's oldest decided round: the one whose grants report


def _today(fill: Fill) -> dt.date:
    return fill.now.astimezone(OSLO).date()


def _moment(fill: Fill, day: dt.date) -> dt.datetime:
    return min(at_noon(day), fill.now)


def _share(fill: Fill, low: float, high: float) -> Decimal:
    return Decimal(str(round(fill.rng.uniform(low, high), 4)))


def _grants(fill: Fill, grants: QuerySet[Grant] | None = None) -> list[GrantFill]:
    """The decided rounds' grants in id order, each with its community and round."""
    rounds: dict[int, tuple[CommunityFill, RoundFill, bool]] = {}
    for community in fill.communities:
        decided = [r for r in community.rounds if r.kind == DECIDED]
        for index, round_fill in enumerate(decided):
            rounds[round_fill.round.pk] = (community, round_fill, index == 0)
    grants = (Grant.objects.all() if grants is None else grants).filter(
        application__round__in=list(rounds)
    )
    return [
        GrantFill(grant, *rounds[grant.application.round_id])
        for grant in grants.select_related("application").order_by("pk")
    ]


def _lines(grants: list[GrantFill]) -> dict[int, list[GrantBudgetLine]]:
    rounds = {g.round.round.pk for g in grants}
    lines: dict[int, list[GrantBudgetLine]] = {}
    for line in GrantBudgetLine.objects.filter(grant__application__round__in=rounds).order_by(
        "grant_id", "order", "pk"
    ):
        lines.setdefault(line.grant_id, []).append(line)
    return lines


def _account_number(fill: Fill) -> str:
    """An account number with a valid mod-11 check digit (``validate_account_number``)."""
    rng = fill.rng
    while True:
        digits = rng.choice(BANKS) + "".join(str(rng.randrange(10)) for _ in range(6))
        remainder = sum(int(d) * w for d, w in zip(digits, ACCOUNT_NUMBER_WEIGHTS, strict=True))
        check = (11 - remainder % 11) % 11
        if check != 10:
            return digits + str(check)


class Parties:
    """Who invoices: the organisation's own number, its trust's for a unit, and for one that
    has none (an "other" organisation) a made-up number with a valid check digit, kept."""

    def __init__(self, fill: Fill) -> None:
        self.fill = fill
        self.organisations = {o.pk: o for c in fill.communities for o in c.organisations}
        self.made: dict[int, str] = {}

    def number(self, organisation: Organisation) -> str:
        parent = self.organisations.get(organisation.parent_id)
        for candidate in (organisation, parent):
            if candidate is not None and candidate.org_number:
                return candidate.org_number
        if organisation.pk not in self.made:
            rng = self.fill.rng
            while True:
                first = rng.choice("89") + "".join(str(rng.randrange(10)) for _ in range(7))
                check = org_number_check_digit(first)
                if check is not None:
                    self.made[organisation.pk] = first + str(check)
                    break
        return self.made[organisation.pk]


# --- payments ----------------------------------------------------------------------------------


def _accept(fill: Fill, g: GrantFill, accounts: dict[int, str]) -> bool:
    """Most recipients have accepted, a few weeks after the decision; the account is the
    responsible organisation's, the same for each of its grants."""
    rng = fill.rng
    if rng.random() >= (0.97 if g.oldest else 0.85):
        return False
    grant = g.grant
    application = grant.application
    after = dt.timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8))
    grant.accepted_at = min(decision_moment(g.round.round) + after, fill.now)
    grant.accepted_by_id = application.owner_id
    grant.accepted_as = rng.choice(ACCEPTED_AS)
    if not grant.internal:
        organisation = application.responsible_organisation_id
        if organisation not in accounts:
            accounts[organisation] = _account_number(fill)
        grant.bank_account = accounts[organisation]
    return True


def _marking(fill: Fill, grant: Grant) -> str:
    """The project number as people write it (``marking_ok`` ignores case and spacing), or
    the project's title where the community has none."""
    number, title = grant.project_number, grant.application.title
    if not number:
        return title[:100]
    form = fill.rng.random()
    if form < 0.6:
        return number
    if form < 0.85:
        return f"Prosjekt {number}"
    return f"{number.lower().replace('-', ' ')}, {title}"[:100]


def _payments(
    fill: Fill,
    g: GrantFill,
    lines: list[GrantBudgetLine],
    parties: Parties,
    vouchers: itertools.count,
    shared: str,
) -> list[Payment]:
    """Invoices (or internal bookings) dated after the acceptance, claiming a share of the
    grant (all of it for some of the oldest round's), each as far in its course as its age
    allows (finance approves within 25 days and pays within 12 more); now and then an invoice
    returned, followed by the corrected one."""
    rng = fill.rng
    grant, application = g.grant, g.grant.application
    today = _today(fill)
    first = grant.accepted_at.astimezone(OSLO).date() + dt.timedelta(days=1)
    # Most of the oldest round's recipients have claimed their last invoice and been paid.
    done = g.oldest and rng.random() < 0.6
    span = (today - first).days - (45 if done else 0)
    if span < 0:
        return []
    count = rng.randint(1 if g.oldest else 0, min(6, 1 + span // 45))
    if not count:
        return []
    share = min(Decimal(1), _share(fill, 0.3, 1.15)) if g.oldest else _share(fill, 0.05, 0.5)
    target = (grant.amount * share).quantize(KRONE, ROUND_DOWN)
    weights = [Decimal(rng.randint(50, 150)) for _ in range(count)]
    parts = [(target * w / sum(weights)).quantize(KRONE, ROUND_DOWN) for w in weights[:-1]]
    parts.append(target - sum(parts, Decimal(0)))
    days = sorted(first + dt.timedelta(days=rng.randint(0, span)) for _ in range(count))
    finance = g.community.users[names.FINANCE][0]
    internal = grant.internal
    rows = []
    for day, part in zip(days, parts, strict=True):
        # Invoices have øre, except where they add up to the whole grant.
        amount = part if internal or share == 1 else part - Decimal(rng.randint(0, 99)) / 100
        if amount <= 0:
            continue
        if internal:
            party = parties.organisations[application.responsible_organisation_id]
            registered_by = finance
        else:
            chosen = rng.choice(lines).organisation_id if lines and rng.random() < 0.2 else None
            party = parties.organisations[chosen or application.responsible_organisation_id]
            registered_by = g.community.secretariat if rng.random() < 0.15 else application.owner
        common = {
            "grant": grant,
            "kind": Payment.Kind.INTERNAL if internal else Payment.Kind.INVOICE,
            "date": day,
            "amount": amount,
            "org_number": "" if internal else parties.number(party),
            "organisation_name": party.name,
            "marking": grant.project_number if internal else _marking(fill, grant),
            "file": "" if internal else shared,
            "registered_by": registered_by,
        }
        approved = day + dt.timedelta(days=rng.randint(1, 25))
        paid = approved + dt.timedelta(days=rng.randint(1, 12))
        states = []
        if rng.random() < (0.02 if internal else 0.08):
            returned = min(day + dt.timedelta(days=rng.randint(1, 10)), today)
            states.append(
                (Payment.Status.RETURNED, returned, {"return_reason": rng.choice(RETURN_REASONS)})
            )
        if approved > today:
            states.append((Payment.Status.REGISTERED, None, {}))
        elif paid > today:
            states.append((Payment.Status.APPROVED, approved, {}))
        else:
            states.append((Payment.Status.PAID, approved, {"paid_on": paid}))
        for status, decided, more in states:
            number = (
                f"B-{day.year}-{next(vouchers):05d}"
                if internal
                else f"{day:%y}{rng.randrange(10000, 100000)}"
            )
            rows.append(
                Payment(
                    **common,
                    status=status,
                    number=number,
                    decided_by=finance if decided else None,
                    decided_at=_moment(fill, decided) if decided else None,
                    **more,
                )
            )
    return rows


def _reallocation(
    fill: Fill, g: GrantFill, lines: list[GrantBudgetLine]
) -> tuple[Reallocation, list[ReallocationLine]] | None:
    """Now and then the recipient moves money between two lines (sometimes with a longer
    period): waiting for the secretariat, approved (the lines and period change) or rejected."""
    rng = fill.rng
    if len(lines) < 2 or rng.random() >= 0.08:
        return None
    grant = g.grant
    source, target = rng.sample(lines, 2)
    moved = (source.amount * _share(fill, 0.1, 0.4) / 1000).quantize(KRONE, ROUND_DOWN) * 1000
    first = grant.accepted_at.astimezone(OSLO).date() + dt.timedelta(days=1)
    span = (_today(fill) - first).days
    if moved <= 0 or span < 0:
        return None
    status = rng.choices(
        [Reallocation.Status.REQUESTED, Reallocation.Status.APPROVED, Reallocation.Status.REJECTED],
        [0.35, 0.5, 0.15],
    )[0]
    period_end = add_months(grant.period_end, 6) if rng.random() < 0.25 else None
    decided = status != Reallocation.Status.REQUESTED
    reallocation = Reallocation(
        grant=grant,
        status=status,
        reason="Vi treng å flytte midlar mellom postane: " + fill.text.sentence(),
        period_end=period_end,
        requested_by_id=grant.application.owner_id,
        decided_by=g.community.secretariat if decided else None,
        decided_at=(
            _moment(fill, first + dt.timedelta(days=rng.randint(0, span))) if decided else None
        ),
        comment=(
            "Endringa er ikkje i tråd med føremålet med tilskotet."
            if status == Reallocation.Status.REJECTED
            else ""
        ),
    )
    rows = [
        ReallocationLine(
            reallocation=reallocation, budget_line=source, amount=source.amount - moved
        ),
        ReallocationLine(
            reallocation=reallocation, budget_line=target, amount=target.amount + moved
        ),
    ]
    if status == Reallocation.Status.APPROVED:
        for row in rows:
            row.budget_line.amount = row.amount
        if period_end is not None:
            grant.period_end = period_end
    return reallocation, rows


def _claim(fill: Fill, g: GrantFill, rows: list[Payment]) -> RepaymentClaim | None:
    """Now and then the secretariat claims part of what was paid back; some are settled."""
    rng = fill.rng
    paid = [p for p in rows if p.status == Payment.Status.PAID]
    total = sum((p.amount for p in paid), Decimal(0))
    if not paid or rng.random() >= 0.05:
        return None
    amount = (total * _share(fill, 0.05, 0.5) / 100).quantize(KRONE, ROUND_DOWN) * 100
    if amount <= 0:
        return None
    today = _today(fill)
    last = max(p.paid_on for p in paid)
    raised = min(max(last, today - dt.timedelta(days=rng.randint(0, 90))), today)
    settled = raised + dt.timedelta(days=rng.randint(5, 28))
    settled_on = settled if settled <= today and rng.random() < 0.5 else None
    return RepaymentClaim(
        grant=g.grant,
        amount=amount,
        reason="Midlane er ikkje nytta etter føremålet: " + fill.text.sentence(),
        due_date=raised + dt.timedelta(days=30),
        raised_by=g.community.secretariat,
        settled_on=settled_on,
        settled_by=g.community.users[names.FINANCE][0] if settled_on else None,
    )


def payments(fill: Fill) -> None:
    """Acceptance, invoices and internal bookings, reallocations and repayment claims of the
    decided rounds' grants."""
    grants = _grants(fill)
    lines = _lines(grants)
    parties = Parties(fill)
    accounts: dict[int, str] = {}
    vouchers = itertools.count(1)
    shared, _size = shared_file()
    accepted, rows, claims = [], [], []
    reallocations: list[tuple[Reallocation, list[ReallocationLine]]] = []
    for g in grants:
        if not _accept(fill, g, accounts):
            continue
        accepted.append(g.grant)
        own = _payments(fill, g, lines.get(g.grant.pk, []), parties, vouchers, shared)
        rows += own
        reallocation = _reallocation(fill, g, lines.get(g.grant.pk, []))
        if reallocation is not None:
            reallocations.append(reallocation)
        claim = _claim(fill, g, own)
        if claim is not None:
            claims.append(claim)
    Grant.objects.bulk_update(
        accepted, ["accepted_at", "accepted_by", "accepted_as", "bank_account"], batch_size=BATCH
    )
    Payment.objects.bulk_create(rows, batch_size=BATCH)
    Reallocation.objects.bulk_create([r for r, _ in reallocations], batch_size=BATCH)
    ReallocationLine.objects.bulk_create(
        [line for _, r in reallocations for line in r], batch_size=BATCH
    )
    approved = [(r, rs) for r, rs in reallocations if r.status == Reallocation.Status.APPROVED]
    GrantBudgetLine.objects.bulk_update(
        [line.budget_line for _, rs in approved for line in rs], ["amount"], batch_size=BATCH
    )
    Grant.objects.bulk_update(
        [r.grant for r, _ in approved if r.period_end is not None], ["period_end"], batch_size=BATCH
    )
    RepaymentClaim.objects.bulk_create(claims, batch_size=BATCH)


# --- final reports -----------------------------------------------------------------------------

REPORT_STATUSES = [
    (FinalReport.Status.DRAFT, 0.3),
    (FinalReport.Status.SUBMITTED, 0.25),
    (FinalReport.Status.RETURNED, 0.07),
    (FinalReport.Status.APPROVED, 0.38),
]


def _report(
    fill: Fill,
    g: GrantFill,
    lines: list[GrantBudgetLine],
    questions: list[ReportQuestion],
    shared: str,
) -> tuple[FinalReport, list[ReportSpending], list[ReportAnswer]]:
    """One report: a draft has some of its parts, any other everything ``report_missing``
    asks for. It is approved only when nothing waits (no invoice or reallocation, and it is
    decided after the last payment); otherwise it stays submitted."""
    rng, text = fill.rng, fill.text
    grant = g.grant
    today = _today(fill)
    statuses, weights = zip(*REPORT_STATUSES, strict=True)
    status = rng.choices(statuses, weights)[0]
    submitted = max(
        grant.accepted_at.astimezone(OSLO).date() + dt.timedelta(days=30),
        today - dt.timedelta(days=rng.randint(5, 150)),
    )
    decided = submitted + dt.timedelta(days=rng.randint(2, 21))
    if grant.last_day is not None:  # approval closes the grant: after the last payment
        decided = max(decided, grant.last_day + dt.timedelta(days=rng.randint(1, 14)))
    if status != FinalReport.Status.DRAFT and submitted > today:
        status = FinalReport.Status.DRAFT
    if status == FinalReport.Status.APPROVED and (grant.unpaid or grant.asked or decided > today):
        status = FinalReport.Status.SUBMITTED
    if status == FinalReport.Status.RETURNED:
        decided = min(decided, today)
    complete = status != FinalReport.Status.DRAFT

    def part(low: int, high: int) -> str:
        return text.text(low, high) if complete or rng.random() < 0.6 else ""

    owner, secretariat = grant.application.owner_id, g.community.secretariat
    threshold = g.community.scheme.auditor_threshold
    needs_auditor = threshold is not None and grant.amount > threshold
    report = FinalReport(
        grant=grant,
        status=status,
        what_was_done=part(300, 1200),
        effect_citizens=part(150, 600),
        effect_municipality=part(150, 600),
        effect_hospital=part(150, 600),
        continues=rng.random() < 0.7 if complete or rng.random() < 0.5 else None,
        continuation=part(100, 400),
        learning_points=part(100, 500),
        auditor_confirmation=(shared if needs_auditor and (complete or rng.random() < 0.5) else ""),
        submitted_at=_moment(fill, submitted) if complete else None,
        submitted_by_id=owner if complete else None,
    )
    report.share_learning = bool(report.learning_points) and rng.random() < 0.85
    if status in (FinalReport.Status.RETURNED, FinalReport.Status.APPROVED):
        report.decided_at = _moment(fill, decided)
        report.decided_by = secretariat
    if status == FinalReport.Status.RETURNED:
        report.comment = "Gjer greie for avvika frå budsjettet. " + text.sentence()
    spending = [
        ReportSpending(
            report=report,
            budget_line=line,
            spent=(line.amount * _share(fill, 0.75, 1.05)).quantize(KRONE, ROUND_DOWN),
        )
        for line in lines
        if complete or rng.random() < 0.5
    ]
    answers = [
        ReportAnswer(report=report, question=question, text=text.text(80, 400))
        for question in questions
        if complete or rng.random() < 0.5
    ]
    return report, spending, answers


def reports(fill: Fill) -> None:
    """Final reports for about 60 % of the oldest decided round's accepted grants; an approved
    one closes its grant (as ``rapport.services.report_approve``)."""
    accepted = Grant.objects.filter(accepted_at__isnull=False).annotate(
        unpaid=Exists(Payment.objects.filter(grant=OuterRef("pk"), status__in=WAITING)),
        asked=Exists(
            Reallocation.objects.filter(grant=OuterRef("pk"), status=Reallocation.Status.REQUESTED)
        ),
        last_day=Max("payments__paid_on"),
    )
    grants = [g for g in _grants(fill, accepted) if g.oldest]
    shared, _size = shared_file()
    lines = _lines(grants)
    questions = {
        c.scheme.pk: list(ReportQuestion.objects.filter(scheme=c.scheme).order_by("order", "pk"))
        for c in fill.communities
    }
    made, closed = [], []
    for g in grants:
        if fill.rng.random() >= 0.6:
            continue
        report, spending, answers = _report(
            fill, g, lines.get(g.grant.pk, []), questions[g.community.scheme.pk], shared
        )
        made.append((report, spending, answers))
        if report.status == FinalReport.Status.APPROVED:
            g.grant.status = Grant.Status.CLOSED
            g.grant.closed_at = report.decided_at
            closed.append(g.grant)
    FinalReport.objects.bulk_create([r for r, _, _ in made], batch_size=BATCH)
    ReportSpending.objects.bulk_create([s for _, rs, _ in made for s in rs], batch_size=BATCH)
    ReportAnswer.objects.bulk_create([a for _, _, ra in made for a in ra], batch_size=BATCH)
    Grant.objects.bulk_update(closed, ["status", "closed_at"], batch_size=BATCH)
