"""The to-do page (``/<community>/oppgaver/``) and the first page after log-in (``/oppgaver/``):
what waits for a person across their roles in one community, listed by every stage's sources
with a query count that does not grow with how much waits; nothing of another community; and
the way there after logging in."""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from komite.models import ConflictDeclaration, Membership, RoundReview
from rapport.models import FinalReport
from soknad.models import Invitation, StatusChange
from tilskot.models import Notification
from tilskot.money import nok_text
from tilskot.roles import Role
from tilskot.services import role_grant
from tilskot.todo import SOURCES
from utbetaling.models import Grant, Payment, Reallocation, RepaymentClaim

from .factories import (
    ApplicationFactory,
    OrganisationFactory,
    RoundFactory,
    SubmittedApplicationFactory,
    UserFactory,
    make_grant,
)
from .test_decision import recommended_round
from .utils import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

BERGEN = "/bergen/oppgaver/"
OSTFOLD = "/ostfold/oppgaver/"
REPAY = Decimal(1_000)
ENDED = {"period_start": dt.date(2020, 1, 1), "period_end": dt.date(2020, 12, 31)}


def listed(page) -> list[tuple[str, str]]:
    """(action, subject) of every item the page lists."""
    return [(todo.action, todo.subject) for todo, _overdue in page.context["todos"]]


def items_in_html(page) -> int:
    return page.text.count('<li class="todo panel">')


@pytest.fixture
def english(client):
    """The pages in English (the person's choice wins over Bergen's nynorsk), so that the
    actions can be compared with the source's texts."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


class Busy:
    """One person with every role in Bergen and a seat on the committee of a round open for
    review, and ``grow(k)``: k more of everything each to-do source lists."""

    def __init__(self, world):
        self.world = world
        self.community = world.bergen
        self.scheme = world.bergen_round.scheme
        self.person = UserFactory(email="alle@tilskot.test")
        for role in Role:
            role_grant(user=self.person, community=self.community, role=role)
        now = timezone.now()
        closed = {"opens_at": now - dt.timedelta(days=90), "closes_at": now - dt.timedelta(days=30)}
        with scopes_disabled():
            self.review_round = RoundFactory(scheme=self.scheme, name="Til vurdering", **closed)
            RoundReview.objects.create(
                round=self.review_round,
                opened_at=now - dt.timedelta(days=1),
                opened_by=world.sigrid,
                scoring_deadline=now + dt.timedelta(days=14),
            )
            self.membership = Membership.objects.create(
                round=self.review_round, user=self.person, appointed_by=world.sigrid
            )
            self.decided_round = RoundFactory(scheme=self.scheme, name="Avgjord", **closed)
            # One responsible organisation for all (a community has 100 municipality numbers).
            self.organisation = OrganisationFactory(community=self.community)
        self.grown = 0

    def application(self, factory=ApplicationFactory, **fields):
        return factory(responsible_organisation=self.organisation, **fields)

    def grow(self, k: int) -> None:
        world, person, now = self.world, self.person, timezone.now()
        open_round = world.bergen_round
        with scopes_disabled():
            for _i in range(k):
                self.grown += 1
                n = self.grown
                # The secretariat screens what is submitted, a resubmission as well.
                self.application(SubmittedApplicationFactory, round=open_round)
                again = self.application(SubmittedApplicationFactory, round=open_round)
                StatusChange.objects.create(
                    application=again,
                    from_status="more_info",
                    to_status="submitted",
                    by=again.owner,
                    at=now,
                )
                # The member declares, then scores; a conflict leaves the application out.
                complete = {"round": self.review_round, "status": "complete"}
                self.application(**complete)
                declared = self.application(**complete)
                conflicted = self.application(**complete)
                for application, conflict in ((declared, False), (conflicted, True)):
                    ConflictDeclaration.objects.create(
                        application=application, member=self.membership, has_conflict=conflict
                    )
                # Their own draft, a draft they co-apply for, one the secretariat asked more
                # of, and an invitation not yet answered.
                self.application(round=open_round, owner=person)
                shared = self.application(round=open_round)
                Invitation.objects.create(
                    application=shared,
                    email=person.email,
                    invited_by=shared.owner,
                    accepted_by=person,
                    accepted_at=now,
                )
                self.application(round=open_round, owner=person, status="more_info")
                inviting = self.application(round=open_round)
                Invitation.objects.create(
                    application=inviting, email=person.email, invited_by=inviting.owner
                )
                # A recommendation sent in a round of its own, waiting for the decision.
                round_ = RoundFactory(scheme=self.scheme, name=f"Tilrådd {n}")
                recommended_round(world, self.community, round_)
                # Their grants: one to accept, two whose period ended without a report (one
                # report returned), one with its report submitted and a claim to repay.
                decided = {"round": self.decided_round, "owner": person}
                make_grant(self.application(**decided), accepted=False)
                for returned in (False, True):
                    grant = make_grant(self.application(**decided))
                    Grant.objects.filter(pk=grant.pk).update(**ENDED)
                    if returned:
                        FinalReport.objects.create(
                            grant=grant,
                            status=FinalReport.Status.RETURNED,
                            submitted_at=now,
                            submitted_by=person,
                            decided_at=now,
                            decided_by=world.sigrid,
                        )
                reported = make_grant(self.application(**decided))
                FinalReport.objects.create(
                    grant=reported,
                    status=FinalReport.Status.SUBMITTED,
                    submitted_at=now,
                    submitted_by=person,
                )
                RepaymentClaim.objects.create(
                    grant=reported,
                    amount=REPAY,
                    reason="Ikkje brukt som søkt",
                    due_date=dt.date(2030, 1, 1),
                    raised_by=world.sigrid,
                )
                # Someone else's grant: an invoice registered, one approved, a reallocation.
                other = make_grant(self.application(round=self.decided_round))
                invoice = {"grant": other, "kind": "invoice", "date": dt.date(2026, 11, 1)}
                Payment.objects.create(
                    **invoice, number="F-R", amount=10, registered_by=other.application.owner
                )
                Payment.objects.create(
                    **invoice,
                    number="F-A",
                    amount=20,
                    registered_by=other.application.owner,
                    status=Payment.Status.APPROVED,
                    decided_by=person,
                    decided_at=now,
                )
                Reallocation.objects.create(
                    grant=other,
                    reason="Meir til prosjektleiing",
                    requested_by=other.application.owner,
                )
                # An e-mail that could not be sent.
                Notification.objects.create(
                    community=self.community,
                    kind=Notification.Kind.RECEIPT,
                    key=f"todo-test-failed-{n}",
                    email=f"borte-{n}@tilskot.test",
                    subject="Kvittering",
                    body_text="Kvittering",
                    body_html="<p>Kvittering</p>",
                    status=Notification.Status.FAILED,
                )

    @staticmethod
    def expected(community, k: int) -> Counter:
        """What the page lists once ``grow`` has made ``k`` of everything: per action."""
        return Counter(
            {
                # secretariat
                "Screen the application": k,
                "Screen the resubmitted application": k,
                "Follow up the overdue final report": 2 * k,
                "Approve or return the final report": k,
                "Decide the reallocation": k,
                "Check the e-mails that could not be sent": 1,
                "Issue the decision letters": 1,  # the one decided round of the grants
                # committee
                "Declare any conflict of interest": k,
                "Score the application": k,
                # decision body
                f"Record the decision of {community.decision_body}": k,
                # finance
                "Approve or return invoice F-R": k,
                "Mark invoice F-A as paid": k,
                # applicant and recipient
                "Finish and submit the application": 2 * k,
                "Give the information the secretariat asks for, and submit again": k,
                "Answer the invitation to be co-applicant": k,
                "Accept the conditions of the grant": k,
                "Write and submit the final report": k,
                "Correct the final report and submit it again": k,
                f"Repay {nok_text(REPAY)}": k,
            }
        )


@pytest.fixture
def busy(world):
    return Busy(world)


def test_the_query_count_does_not_grow_with_what_waits(world, english, busy):
    """Everything every source lists grows from 1 to 10 of each: the page's query count stays
    the same, and the page lists all of it."""
    english.force_login(busy.person)
    pages = {}

    def fetch():
        pages[busy.grown] = english.get(BERGEN)
        return pages[busy.grown]

    queries = assert_queries_do_not_grow(fetch, busy.grow, sizes=(1, 10))
    assert sorted(pages) == [1, 10]
    for k, page in pages.items():
        todos = [todo for todo, _overdue in page.context["todos"]]
        assert Counter(todo.action for todo in todos) == Busy.expected(world.bergen, k)
        assert items_in_html(page) == 19 * k + 2
        assert {todo.role for todo in todos} == set(Role)
        # Each overdue report is marked, on the recipient's side and the secretariat's.
        assert page.text.count("todo-overdue") == 4 * k
        [failed] = [todo for todo in todos if todo.action.startswith("Check the e-mails")]
        assert failed.subject == (
            "1 e-mail could not be sent" if k == 1 else f"{k} e-mails could not be sent"
        )
    # Oldest first.
    since = [todo.since for todo, _overdue in pages[10].context["todos"]]
    assert since == sorted(since)
    # The request's own queries (community, session, user, roles) and at most two a source.
    assert queries <= 5 + 2 * len(SOURCES), queries


def test_anonymous_is_sent_to_log_in(world, client):
    for url in (BERGEN, reverse("todo_start")):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
        assert f"next={url}" in response.url


def test_without_a_role_nothing_waits(world, english):
    english.force_login(world.per)
    page = english.get(BERGEN)
    assert page.status_code == 200
    assert listed(page) == []
    assert "Nothing waits for you here right now." in page.text
    assert items_in_html(page) == 0


def test_nothing_of_another_community_is_listed(world, english):
    """An application submitted in Østfold waits for Østfold's secretariat, never Bergen's."""
    with scopes_disabled():
        application = SubmittedApplicationFactory(round=world.ostfold_round, title="Østfold-tiltak")
    screen = ("Screen the application", "Østfold-tiltak")
    english.force_login(world.sigrid)
    bergen = english.get(BERGEN)
    assert screen not in listed(bergen)
    assert "Østfold-tiltak" not in bergen.text
    assert english.get(OSTFOLD).status_code == 200  # her page there: she has no role in Østfold
    assert listed(english.get(OSTFOLD)) == []
    english.force_login(world.ola)
    ostfold = english.get(OSTFOLD)
    assert listed(ostfold) == [screen]
    [(todo, _overdue)] = ostfold.context["todos"]
    assert todo.url.startswith("/ostfold/")
    assert f"/{application.pk}/" in todo.url
    assert f'href="{todo.url}"' in ostfold.text
    assert listed(english.get(BERGEN)) == []  # and ola has nothing in Bergen


class TestTheStart:
    def test_roles_in_one_community_go_straight_to_its_page(self, world, client):
        client.force_login(world.sigrid)
        response = client.get(reverse("todo_start"))
        assert response.status_code == 302
        assert response.url == BERGEN

    def test_roles_in_two_communities_list_both(self, world, english):
        """Kari: committee in Bergen (nothing open for review), applicant in Østfold with a
        draft in the open round."""
        with scopes_disabled():
            ApplicationFactory(round=world.ostfold_round, owner=world.kari)
        english.force_login(world.kari)
        page = english.get(reverse("todo_start"))
        assert page.status_code == 200
        waiting = {community.slug: len(found) for community, found in page.context["waiting"]}
        assert waiting == {"bergen": 0, "ostfold": 1}
        assert f'href="{BERGEN}"' in page.text
        assert f'href="{OSTFOLD}"' in page.text

    def test_no_role_anywhere_goes_to_the_start_page(self, world, client):
        client.force_login(world.per)
        response = client.get(reverse("todo_start"))
        assert response.status_code == 302
        assert response.url == reverse("start")

    def test_no_role_but_an_invitation_goes_to_its_community(self, world, client):
        """An invitation to be co-applicant is work without a role: the start sends there."""
        with scopes_disabled():
            draft = ApplicationFactory(round=world.ostfold_round)
            Invitation.objects.create(
                application=draft, email=world.per.email, invited_by=draft.owner
            )
        client.force_login(world.per)
        response = client.get(reverse("todo_start"))
        assert response.status_code == 302
        assert response.url == OSTFOLD

    def test_logging_in_lands_on_the_to_do_page(self, world, client):
        assert settings.LOGIN_REDIRECT_URL == "todo_start"
        response = client.post(
            reverse("account_login"),
            {"login": world.sigrid.email, "password": "passord-for-test"},
            follow=True,
        )
        assert response.redirect_chain == [(reverse("todo_start"), 302), (BERGEN, 302)]
        assert response.status_code == 200
        assert response.resolver_match.url_name == "todo"
