"""What the fill's stages share: the seeded generator, the moment the world is built around, and
per community and round what has been made so far (objects in memory, with their ids)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group

from komite.models import Membership
from soknad.models import Application, BudgetLine, CostGain, CriterionAnswer, QuestionAnswer
from tilskot.models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    Criterion,
    Organisation,
    PriorityArea,
    Round,
    Scheme,
    User,
)
from tilskot.roles import Role

from .text import TextPool

DECIDED, REVIEW, OPEN = "decided", "review", "open"

# Batches for bulk_create: large enough to be fast, small enough for SQLite's variable limit.
BATCH = 1000


@dataclass
class Case:
    """One application as planned: the row, and what its related rows will say."""

    application: Application
    round: RoundFill
    quality: float  # 0..1: drives the committee's scores and the decision
    partners: list[Organisation] = field(default_factory=list)
    areas: list[PriorityArea] = field(default_factory=list)
    steps: set[str] = field(default_factory=set)  # the steps with content
    path: list[str] = field(default_factory=list)  # statuses after "draft", in order
    lines: list[BudgetLine] = field(default_factory=list)
    costs: list[CostGain] = field(default_factory=list)
    coapplicant: User | None = None
    criterion_answers: list[CriterionAnswer] = field(default_factory=list)
    question_answers: list[QuestionAnswer] = field(default_factory=list)
    ready: bool = False  # a load-test draft that can be submitted as it is
    granted: Decimal | None = None  # decided rounds: the amount granted, None if refused
    grant_reason: str = ""

    @property
    def requested(self) -> Decimal:
        return sum((line.requested_amount for line in self.lines), Decimal(0))

    @property
    def parties(self) -> list[Organisation]:
        first = self.application.responsible_organisation
        return ([first] if first else []) + [p for p in self.partners if p != first]

    @property
    def reviewable(self) -> bool:
        """Complete, or decided after being complete: what the committee assesses."""
        return self.application.status in (
            Application.Status.COMPLETE,
            Application.Status.GRANTED,
            Application.Status.NOT_GRANTED,
        )


@dataclass
class RoundFill:
    round: Round
    kind: str
    cases: list[Case] = field(default_factory=list)
    members: list[Membership] = field(default_factory=list)


@dataclass
class CommunityFill:
    community: Community
    scheme: Scheme
    organisations: list[Organisation]
    criteria: list[Criterion]
    questions: list[ApplicationQuestion]
    areas: list[PriorityArea]
    seats: list[CommitteeSeat]
    groups: dict[Role, Group]
    applications: int  # how many applications this community gets (load drafts come on top)
    users: dict[str, list[User]] = field(default_factory=dict)
    affiliations: dict[str, Organisation] = field(default_factory=dict)  # e-mail -> employer
    rounds: list[RoundFill] = field(default_factory=list)

    def of_kind(self, *kinds: Organisation.Kind) -> list[Organisation]:
        return [o for o in self.organisations if o.kind in kinds]

    @property
    def municipalities(self) -> list[Organisation]:
        return self.of_kind(Organisation.Kind.MUNICIPALITY) or self.organisations

    @property
    def hospital(self) -> list[Organisation]:
        return (
            self.of_kind(Organisation.Kind.HOSPITAL_TRUST, Organisation.Kind.HOSPITAL_UNIT)
            or self.organisations
        )

    @property
    def secretariat(self) -> User:
        return self.users["sekretariat"][0]


@dataclass
class Fill:
    rng: random.Random
    text: TextPool
    now: dt.datetime
    password_hash: str
    rounds_per_community: int
    committee_size: int
    load_applicants: int
    load_drafts: int
    communities: list[CommunityFill] = field(default_factory=list)

    def cases(self, *kinds: str):
        for community in self.communities:
            for round_fill in community.rounds:
                if not kinds or round_fill.kind in kinds:
                    yield from round_fill.cases
