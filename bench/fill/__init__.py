"""Fill a database with a realistic, deterministic world for the benchmarks.

The four communities come from the reference files (``load_reference``). On top of them, per
community: the people of every role, rounds (decided ones, one under review, one open with its
deadline near), and the applications spread evenly over the rounds, each with what its status
implies — parties, texts, answers, budget, documents' metadata, case log, submission snapshot,
the committee's declarations, assessments and scores, the recommendation and the decisions —
and the decided rounds' grants with their acceptance, invoices or internal bookings,
reallocations, repayment claims and final reports.

Everything is drawn from ``random.Random(seed)`` and inserted with ``bulk_create``, stage by
stage (``STAGES``). A later stage of Tilskot adds its rows by appending a stage here: it finds
the planned cases, with their ids, in ``Fill`` (e.g. ``fill.cases("decided")`` and
``case.granted``), or reads back what an earlier stage made (``money`` reads the grants).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Callable

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from soknad.models import Application
from soknad.rules import application_missing
from tilskot.models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    CommunityRoleGroup,
    Criterion,
    Organisation,
    PriorityArea,
    Round,
    Scheme,
)
from tilskot.roles import Role

from .. import world as names
from . import applications, committee, money, people
from .state import CommunityFill, Fill
from .text import TextPool

STAGES: list[tuple[str, Callable[[Fill], None]]] = [
    ("people", people.create),
    ("rounds", applications.create_rounds),
    ("applications", applications.create),
    ("committee", committee.create),
    ("decisions", committee.decide),
    ("grants", committee.grants),
    ("payments", money.payments),
    ("final reports", money.reports),
    # Later stages append theirs here: each finds what the stages above made in the database
    # and the planned cases in ``Fill``.
]

# Counted after the fill, in this order (app label, model name).
COUNTED = [
    ("tilskot", "User"),
    ("tilskot", "Organisation"),
    ("tilskot", "Round"),
    ("soknad", "Application"),
    ("soknad", "BudgetLine"),
    ("soknad", "CostGain"),
    ("soknad", "CriterionAnswer"),
    ("soknad", "QuestionAnswer"),
    ("soknad", "Document"),
    ("soknad", "Invitation"),
    ("soknad", "StatusChange"),
    ("soknad", "Submission"),
    ("komite", "Membership"),
    ("komite", "ConflictDeclaration"),
    ("komite", "Assessment"),
    ("komite", "Score"),
    ("komite", "RecommendationItem"),
    ("komite", "Decision"),
    ("komite", "DecisionItem"),
    ("utbetaling", "Grant"),
    ("utbetaling", "GrantBudgetLine"),
    ("utbetaling", "Payment"),
    ("utbetaling", "Reallocation"),
    ("utbetaling", "ReallocationLine"),
    ("utbetaling", "RepaymentClaim"),
    ("rapport", "FinalReport"),
    ("rapport", "ReportSpending"),
    ("rapport", "ReportAnswer"),
]


class WorldExistsError(RuntimeError):
    """The database already holds a benchmark world (fill with ``flush`` to replace it)."""


def community_state(community: Community, applications: int) -> CommunityFill:
    """What the stages need of one community, read from the reference data."""
    scheme = Scheme.objects.filter(community=community).order_by("pk").first()
    groups = {
        Role(link.role): link.group
        for link in CommunityRoleGroup.objects.filter(community=community).select_related("group")
    }
    return CommunityFill(
        community=community,
        scheme=scheme,
        organisations=list(
            Organisation.objects.filter(community=community).order_by("kind", "name", "pk")
        ),
        criteria=list(Criterion.objects.filter(scheme=scheme).order_by("order", "pk")),
        questions=list(ApplicationQuestion.objects.filter(scheme=scheme).order_by("order", "pk")),
        areas=list(PriorityArea.objects.filter(scheme=scheme).order_by("kind", "order", "pk")),
        seats=list(CommitteeSeat.objects.filter(community=community).order_by("order", "pk")),
        groups=groups,
        applications=applications,
    )


def _ready_check(fill: Fill) -> int:
    """Every load-test draft marked ready must be submittable as it is."""
    ready = [c.application.pk for c in fill.cases("open") if c.ready]
    for application in Application.objects.filter(pk__in=ready).select_related(
        "round__scheme", "responsible_organisation"
    ):
        missing = application_missing(application)
        if missing:
            raise AssertionError(f"Draft {application.pk} is not ready: {missing[0].message}")
    return len(ready)


def counts() -> dict[str, int]:
    with scopes_disabled():
        return {name: apps.get_model(label, name).objects.count() for label, name in COUNTED}


def fingerprint() -> str:
    """A digest of what the seed decides (not of the moment it was filled): equal for two
    fills with the same arguments on an empty database."""
    digest = hashlib.sha256()
    queries = [
        ("soknad", "Application", ["round_id", "owner_id", "status", "title", "summary"]),
        ("soknad", "BudgetLine", ["application_id", "year", "organisation_id", "requested_amount"]),
        ("komite", "ConflictDeclaration", ["application_id", "member_id", "has_conflict"]),
        ("komite", "Score", ["assessment_id", "criterion_id", "value", "met"]),
        ("komite", "DecisionItem", ["decision_id", "application_id", "granted", "amount"]),
        ("utbetaling", "Payment", ["grant_id", "kind", "status", "amount", "org_number"]),
        ("rapport", "FinalReport", ["grant_id", "status", "continues", "share_learning"]),
    ]
    with scopes_disabled():
        for label, name, fields in queries:
            model = apps.get_model(label, name)
            for row in model.objects.order_by("pk").values_list("pk", *fields).iterator(5000):
                digest.update(repr(row).encode())
    return digest.hexdigest()[:16]


def fill(
    *,
    applications: int,
    seed: int,
    rounds: int = 4,
    committee_size: int = 10,
    load_applicants: int = 8,
    load_drafts: int = 6,
    now: dt.datetime | None = None,
    log: Callable[[str], None] = print,
) -> dict:
    """Fill the (empty, or reference-only) database; return what was made and how long each
    stage took, in seconds."""
    if rounds < 3:
        raise ValueError("At least three rounds per community: decided, under review and open.")
    started = time.perf_counter()
    seconds: dict[str, float] = {}
    with scopes_disabled():
        if Round.objects.filter(name=names.OPEN).exists():
            raise WorldExistsError("The database already holds a benchmark world.")
        if not Community.objects.exists():
            call_command("load_reference", verbosity=0)
        seconds["reference"] = time.perf_counter() - started
        rng = random.Random(seed)
        communities = list(Community.objects.order_by("slug"))
        share, rest = divmod(applications, len(communities))
        state = Fill(
            rng=rng,
            text=TextPool(rng),
            now=now or timezone.now(),
            # A fixed salt keeps the fill deterministic; 26 characters carry the entropy Django
            # wants, or the first log-in would re-hash the password and end every other session.
            password_hash=make_password(names.PASSWORD, salt="benchworldsaltdeterministic"),
            rounds_per_community=rounds,
            committee_size=committee_size,
            load_applicants=load_applicants,
            load_drafts=load_drafts,
            communities=[
                community_state(c, share + (1 if i < rest else 0))
                for i, c in enumerate(communities)
            ],
        )
        with transaction.atomic():
            for name, stage in STAGES:
                began = time.perf_counter()
                stage(state)
                seconds[name] = time.perf_counter() - began
                log(f"  {name}: {seconds[name]:.1f} s")
        began = time.perf_counter()
        ready = _ready_check(state)
        seconds["check"] = time.perf_counter() - began
    began = time.perf_counter()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # fresh planner statistics, as autovacuum would give
    seconds["analyze"] = time.perf_counter() - began
    seconds["total"] = time.perf_counter() - started
    per_round: dict[str, int] = {}
    for community in state.communities:
        for round_fill in community.rounds:
            per_round[round_fill.kind] = max(
                per_round.get(round_fill.kind, 0), len(round_fill.cases)
            )
    return {
        "applications": applications,
        "seed": seed,
        "rounds_per_community": rounds,
        "committee_size": committee_size,
        "load_drafts": ready,
        "largest_round": per_round,  # applications in the largest round of each kind
        "database": connection.vendor,
        "seconds": {k: round(v, 2) for k, v in seconds.items()},
        "counts": counts(),
        "fingerprint": fingerprint(),
    }
