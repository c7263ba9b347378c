"""Rounds and applications: every application with its parties, texts, answers, budget, costs
and gains, documents (metadata; every file is one small shared PDF), co-applicants, case log and
the snapshot of what was submitted — each kind of row in one bulk insert."""

from __future__ import annotations

import datetime as dt
import io
import math
import uuid
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from guardian.models import UserObjectPermission
from pypdf import PdfWriter

from soknad.models import (
    Application,
    BudgetLine,
    CostGain,
    CriterionAnswer,
    Document,
    Invitation,
    QuestionAnswer,
    StatusChange,
    Submission,
)
from tilskot.models import Criterion, Organisation, Round
from tilskot.reference import OSLO

from .. import world as names
from .snapshot import snapshot
from .state import BATCH, DECIDED, OPEN, REVIEW, Case, CommunityFill, Fill, RoundFill

Status = Application.Status
STEPS = ("basics", "parties", "content", "criteria", "budget", "costs")
MAX_AMOUNT = Decimal(1_500_000)

# What happened to an application after it was started, per kind of round, with its weight.
# Decided rounds' complete applications are granted or refused later (``plan_decisions``).
PATHS: dict[str, list[tuple[list[str], float]]] = {
    DECIDED: [
        ([], 0.06),
        ([Status.SUBMITTED, Status.COMPLETE], 0.85),
        ([Status.SUBMITTED, Status.REJECTED], 0.05),
        ([Status.SUBMITTED, Status.WITHDRAWN], 0.02),
        ([Status.WITHDRAWN], 0.02),
    ],
    REVIEW: [
        ([], 0.05),
        ([Status.SUBMITTED], 0.04),
        ([Status.SUBMITTED, Status.MORE_INFO], 0.02),
        ([Status.SUBMITTED, Status.COMPLETE], 0.82),
        ([Status.SUBMITTED, Status.REJECTED], 0.04),
        ([Status.SUBMITTED, Status.WITHDRAWN], 0.03),
    ],
    OPEN: [
        ([], 0.55),
        ([Status.SUBMITTED], 0.35),
        ([Status.SUBMITTED, Status.MORE_INFO], 0.05),
        ([Status.WITHDRAWN], 0.05),
    ],
}
GRANTED_SHARE = 0.45  # of a decided round's complete applications, the best are granted

SHARED_FILE = "bench/avtale.pdf"  # relative to MEDIA_ROOT


def _shared_pdf() -> bytes:
    """The one file every document row points at: a real one-page PDF (uploads are parsed)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


SHARED_PDF = _shared_pdf()


def ceil_to(amount: Decimal, step: int) -> Decimal:
    """``amount`` rounded up to a whole number of ``step`` kroner."""
    return Decimal(math.ceil(amount / step) * step)


def at_noon(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12, 0), tzinfo=OSLO)


def decision_moment(round_: Round) -> dt.datetime:
    """When a decided round's final decision was recorded."""
    return round_.closes_at + dt.timedelta(days=46)


# --- rounds ------------------------------------------------------------------------------------


def create_rounds(fill: Fill) -> None:
    """Per community: decided rounds about every 200 days back, the round under review (closed
    a month ago) and the open round (deadline in three days)."""
    today = fill.now.astimezone(OSLO).date()
    decided = fill.rounds_per_community - 2
    rows = []
    for community in fill.communities:
        plan = [
            (DECIDED, names.DECIDED.format(i=i), today - dt.timedelta(days=200 * (decided - i + 1)))
            for i in range(1, decided + 1)
        ]
        plan.append((REVIEW, names.REVIEW, today - dt.timedelta(days=30)))
        plan.append((OPEN, names.OPEN, today + dt.timedelta(days=3)))
        for kind, name, deadline in plan:
            closes_at = at_noon(deadline)
            round_ = Round(
                scheme=community.scheme,
                name=name,
                description="Benchmark round (bench_fill); not a real call.",
                opens_at=closes_at - dt.timedelta(days=60 if kind != OPEN else 33),
                closes_at=closes_at,
                budget=Decimal(5_000_000),
                max_amount=MAX_AMOUNT,
            )
            community.rounds.append(RoundFill(round=round_, kind=kind))
            rows.append(round_)
    Round.objects.bulk_create(rows)


# --- planning one application ------------------------------------------------------------------


def _path(fill: Fill, kind: str) -> list[str]:
    paths, weights = zip(*PATHS[kind], strict=True)
    return list(fill.rng.choices(paths, weights)[0])


def _parties(fill: Fill, community: CommunityFill, responsible: Organisation) -> list:
    """Partners so that every scheme's rule holds: a municipality and the hospital take part."""
    rng = fill.rng
    partners: dict[int, Organisation] = {}
    hospital_kinds = (Organisation.Kind.HOSPITAL_TRUST, Organisation.Kind.HOSPITAL_UNIT)
    if responsible.kind != Organisation.Kind.MUNICIPALITY:
        first = rng.choice(community.municipalities)
        partners[first.pk] = first
    if responsible.kind not in hospital_kinds:
        hospital = rng.choice(community.hospital)
        partners[hospital.pk] = hospital
    for _ in range(rng.randint(0, 2)):
        extra = rng.choice(community.municipalities)
        if extra.pk != responsible.pk:
            partners[extra.pk] = extra
    return list(partners.values())


def _submitted_at(fill: Fill, round_fill: RoundFill) -> dt.datetime:
    round_ = round_fill.round
    end = min(round_.closes_at, fill.now)
    return end - dt.timedelta(minutes=fill.rng.randint(30, 60 * 24 * 25))


def plan_case(
    fill: Fill,
    community: CommunityFill,
    round_fill: RoundFill,
    owner,
    *,
    path: list[str],
    ready: bool = False,
) -> Case:
    rng, text = fill.rng, fill.text
    scheme = community.scheme
    employer = community.affiliations[owner.email]
    responsible = employer if rng.random() < 0.7 else rng.choice(community.organisations)
    if ready:  # the load test submits it: its owner signs for the responsible organisation
        responsible = employer
    submitted = bool(path) and path[0] == Status.SUBMITTED
    steps = set(STEPS) if submitted or ready else {s for s in STEPS if rng.random() < 0.6}
    if not submitted and not ready and rng.random() < 0.9:
        steps.add("basics")
    start = dt.date(round_fill.round.closes_at.year + 1, 1, 1)
    end = dt.date(start.year + rng.randint(0, 1), 12, 31)
    place = rng.choice(community.municipalities).name
    application = Application(
        round=round_fill.round,
        owner=owner,
        responsible_organisation=responsible,
        status=path[-1] if path else Status.DRAFT,
    )
    if "basics" in steps:
        application.title = text.title(place)
        application.summary = text.text(150, 400)
        application.description = text.text(600, 1600)
        application.period_start, application.period_end = start, end
    if "parties" in steps:
        if scheme.requires_anchoring:
            first, last = text.person()
            application.anchoring_name = f"{first} {last}"
            application.anchoring_title = "Kommunalsjef helse og omsorg"
        if scheme.asks_patient_responsibility:
            application.patient_responsibility = text.text(100, 300)
    if "content" in steps:
        for name in Application.TEXT_FIELDS:
            setattr(application, name, text.text(250, 900))
    if submitted:
        application.submitted_at = _submitted_at(fill, round_fill)
    if Status.MORE_INFO in path:
        application.more_info_request = text.text(80, 200)
        application.more_info_steps = ["budget", "content"]
    case = Case(
        application=application,
        round=round_fill,
        quality=rng.random(),
        steps=steps,
        path=path,
        ready=ready,
    )
    if "parties" in steps:
        case.partners = _parties(fill, community, responsible)
    if "content" in steps:
        case.areas = rng.sample(community.areas, k=min(len(community.areas), rng.randint(1, 2)))
    if "budget" in steps:
        years = [start.year] if end.year == start.year else [start.year, end.year]
        payers = case.parties[: rng.randint(1, 2)]
        for year in years:
            for payer in payers:
                case.lines.append(
                    BudgetLine(
                        year=year,
                        organisation=payer,
                        description=text.sentence()[:300],
                        requested_amount=Decimal(rng.randrange(50, 350) * 1000),
                        own_contribution=Decimal(rng.randrange(10, 200) * 1000),
                        own_contribution_kind=rng.choice(BudgetLine.ContributionKind.values),
                    )
                )
    if "costs" in steps:
        for party in case.parties[: rng.randint(1, 2)]:
            case.costs.append(
                CostGain(
                    organisation=party,
                    cost_per_year=Decimal(rng.randrange(0, 500) * 1000),
                    gain_per_year=Decimal(rng.randrange(0, 900) * 1000),
                    description=text.text(80, 300),
                )
            )
    if rng.random() < 0.08 and len(community.users[names.APPLICANT]) > 1:
        others = [u for u in community.users[names.APPLICANT] if u is not owner]
        case.coapplicant = rng.choice(others)
    return case


def plan_decisions(fill: Fill, round_fill: RoundFill) -> None:
    """The best of a decided round's complete applications are granted, some for less than
    they asked (with the reasons); the others are refused."""
    rng = fill.rng
    complete = sorted(
        (c for c in round_fill.cases if c.application.status == Status.COMPLETE),
        key=lambda c: -c.quality,
    )
    granted = round(len(complete) * GRANTED_SHARE)
    for rank, case in enumerate(complete):
        if rank < granted:
            if rng.random() < 0.3:
                case.granted = ceil_to(case.requested * Decimal("0.8"), 1000)
                case.grant_reason = "Komiteen tilrår eit redusert beløp: " + fill.text.sentence()
            else:
                case.granted = case.requested
            case.path.append(Status.GRANTED)
        else:
            case.grant_reason = "Søknaden nådde ikkje opp i konkurransen. " + fill.text.sentence()
            case.path.append(Status.NOT_GRANTED)
        case.application.status = case.path[-1]


def plan(fill: Fill) -> None:
    """Every community's applications, spread evenly over its rounds, and the load test's
    drafts in the open round: per load applicant one draft they work on and ``load_drafts``
    drafts that are ready to submit."""
    rng = fill.rng
    for community in fill.communities:
        applicants = community.users[names.APPLICANT]
        rounds = community.rounds
        for j in range(community.applications):
            round_fill = rounds[j % len(rounds)]
            # soker-1 writes for a municipality: one in every 25 applications is theirs.
            owner = applicants[0] if j % 25 == 0 else rng.choice(applicants)
            path = _path(fill, round_fill.kind)
            round_fill.cases.append(plan_case(fill, community, round_fill, owner, path=path))
        open_round = next(r for r in rounds if r.kind == OPEN)
        for owner in community.users[names.LOAD_APPLICANT]:
            open_round.cases.append(plan_case(fill, community, open_round, owner, path=[]))
            for _ in range(fill.load_drafts):
                open_round.cases.append(
                    plan_case(fill, community, open_round, owner, path=[], ready=True)
                )
        for round_fill in rounds:
            if round_fill.kind == DECIDED:
                plan_decisions(fill, round_fill)


# --- the rows ----------------------------------------------------------------------------------


def shared_file() -> tuple[str, int]:
    path = Path(settings.MEDIA_ROOT) / SHARED_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_bytes() != SHARED_PDF:
        path.write_bytes(SHARED_PDF)
    return SHARED_FILE, len(SHARED_PDF)


def _answers(fill: Fill, community: CommunityFill, case: Case) -> None:
    rng, text = fill.rng, fill.text
    if "criteria" not in case.steps:
        return
    checks = [c for c in community.criteria if c.kind == Criterion.Kind.CHECK]
    must = set(rng.sample(checks, k=min(len(checks), community.scheme.min_checks_met or 0)))
    for criterion in community.criteria:
        if criterion.kind == Criterion.Kind.CHECK and criterion not in must and rng.random() < 0.4:
            continue
        case.criterion_answers.append(
            CriterionAnswer(
                application=case.application, criterion=criterion, text=text.text(200, 700)
            )
        )
    for question in community.questions:
        yes = rng.random() < 0.6 if question.answer_type == question.AnswerType.YES_NO else None
        case.question_answers.append(
            QuestionAnswer(
                application=case.application, question=question, yes=yes, text=text.text(60, 300)
            )
        )


def _status_changes(fill: Fill, community: CommunityFill, case: Case) -> list[StatusChange]:
    application = case.application
    round_ = case.round.round
    changes = []
    previous = Status.DRAFT
    moment = application.submitted_at or min(round_.closes_at, fill.now) - dt.timedelta(days=2)
    for status in case.path:
        if status == Status.SUBMITTED:
            moment = application.submitted_at
        elif status in (Status.GRANTED, Status.NOT_GRANTED):
            moment = decision_moment(round_)
        else:
            moment = min(moment + dt.timedelta(days=fill.rng.randint(1, 9)), fill.now)
        by = application.owner if status in (Status.SUBMITTED, Status.WITHDRAWN) else None
        message = ""
        if status == Status.MORE_INFO:
            message = application.more_info_request
        elif status == Status.REJECTED:
            message = "Søknaden manglar dokumentert einigheit mellom partane."
        elif status in (Status.GRANTED, Status.NOT_GRANTED):
            message = f"{community.community.final_decision_body}, {round_.name}"
        changes.append(
            StatusChange(
                application=application,
                from_status=previous,
                to_status=status,
                by=by or community.secretariat,
                at=moment,
                message=message,
            )
        )
        previous = status
    return changes


def create(fill: Fill) -> None:
    plan(fill)
    insert(fill)


def insert(fill: Fill) -> None:
    """The rows of every planned case."""
    cases = list(fill.cases())
    Application.objects.bulk_create([c.application for c in cases], batch_size=BATCH)

    shared, size = shared_file()
    partners, areas, answers_c, answers_q, lines, costs = [], [], [], [], [], []
    documents, invitations, permissions, changes, submissions = [], [], [], [], []
    coapply = Permission.objects.get(
        content_type__app_label="soknad", codename="coapply_application"
    )
    application_type = ContentType.objects.get_for_model(Application)
    by_community = {
        id(round_fill): community
        for community in fill.communities
        for round_fill in community.rounds
    }
    for case in cases:
        community = by_community[id(case.round)]
        application = case.application
        partners += [
            Application.partners.through(application_id=application.pk, organisation_id=p.pk)
            for p in case.partners
        ]
        areas += [
            Application.priority_areas.through(application_id=application.pk, priorityarea_id=a.pk)
            for a in case.areas
        ]
        _answers(fill, community, case)
        answers_c += case.criterion_answers
        answers_q += case.question_answers
        for line in case.lines:
            line.application = application
        lines += case.lines
        for cost in case.costs:
            cost.application = application
        costs += case.costs
        case_documents = []
        if "parties" in case.steps:
            kinds = [Document.Kind.AGREEMENT]
            kinds += [Document.Kind.OTHER] * (
                fill.rng.randint(1, 2) if fill.rng.random() < 0.3 else 0
            )
            for n, kind in enumerate(kinds):
                name = (
                    "Samarbeidsavtale.pdf"
                    if kind == Document.Kind.AGREEMENT
                    else f"Vedlegg {n}.pdf"
                )
                case_documents.append(
                    Document(
                        application=application,
                        kind=kind,
                        file=shared,
                        original_name=name,
                        content_type="application/pdf",
                        size=size,
                        uploaded_by=application.owner,
                    )
                )
        documents += case_documents
        if case.coapplicant is not None:
            invitations.append(
                Invitation(
                    application=application,
                    email=case.coapplicant.email,
                    token=uuid.UUID(int=fill.rng.getrandbits(128), version=4),
                    invited_by=application.owner,
                    accepted_by=case.coapplicant,
                    accepted_at=fill.now - dt.timedelta(days=40),
                )
            )
            permissions.append(
                UserObjectPermission(
                    user=case.coapplicant,
                    permission=coapply,
                    content_type=application_type,
                    object_pk=str(application.pk),
                )
            )
        changes += _status_changes(fill, community, case)
        if Status.SUBMITTED in case.path:
            submissions.append(
                Submission(
                    application=application,
                    number=1,
                    submitted_at=application.submitted_at,
                    submitted_by=application.owner,
                    snapshot=snapshot(community, case, case_documents),
                )
            )
    for model, rows in (
        (Application.partners.through, partners),
        (Application.priority_areas.through, areas),
        (CriterionAnswer, answers_c),
        (QuestionAnswer, answers_q),
        (BudgetLine, lines),
        (CostGain, costs),
        (Document, documents),
        (Invitation, invitations),
        (UserObjectPermission, permissions),
        (StatusChange, changes),
        (Submission, submissions),
    ):
        model.objects.bulk_create(rows, batch_size=BATCH)
