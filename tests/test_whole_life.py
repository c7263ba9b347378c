"""One application's whole life in Bergen (nynorsk), and who hears of it: at every stage the
exact e-mails each person has received (recipient, kind, language; each once) and exactly what
each person's to-do page lists.

The cast: Anne applies with Bjørn as co-applicant; Sigrid is the secretariat; Kari and Mons sit
on the committee; Dag is on the decision body; Frida is finance. Time passes where the life
needs it (a scoring deadline, a grant's period and its report's due date) by moving those dates,
and the reminder scan runs as beat would run it."""

import datetime as dt
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from komite import decisions
from komite import services as committee
from komite.models import RoundReview
from rapport import services as reports
from soknad import services as applications
from soknad.models import Application
from tilskot.dates import add_months
from tilskot.models import Notification
from tilskot.money import nok_text
from tilskot.reminders import scan_reminders
from tilskot.roles import Role
from tilskot.services import role_grant
from utbetaling import services as payments
from utbetaling.models import Grant

from .factories import UserFactory, signer_of
from .pdfs import pdf_bytes
from .test_applications import complete_application
from .utils import close_round

pytestmark = pytest.mark.django_db

K = Notification.Kind


class Life:
    """The cast, and the checks made after each step."""

    def __init__(self, world, client, capture):
        self.world, self.client, self.capture = world, client, capture
        self.community = world.bergen
        self.round = world.bergen_round
        self.anne = UserFactory(email="anne@tilskot.test")
        self.bjorn = UserFactory(email="bjorn@tilskot.test")
        self.mons = UserFactory(email="mons@tilskot.test")
        self.dag = UserFactory(email="dag@tilskot.test")
        self.frida = UserFactory(email="frida@tilskot.test")
        role_grant(user=self.anne, community=self.community, role=Role.APPLICANT)  # as a draft does
        role_grant(user=self.dag, community=self.community, role=Role.DECISION_BODY)
        role_grant(user=self.frida, community=self.community, role=Role.FINANCE)
        self.sigrid, self.kari = world.sigrid, world.kari
        self.cast = {
            "anne": self.anne,
            "bjorn": self.bjorn,
            "sigrid": self.sigrid,
            "kari": self.kari,
            "mons": self.mons,
            "dag": self.dag,
            "frida": self.frida,
        }
        self.received: Counter = Counter()

    @contextmanager
    def act(self):
        """Run a step as a request would: in the community's scope, its e-mails sent after it
        commits."""
        with self.capture(execute=True), scope(community=self.community):
            yield

    def mails(self, *expected: tuple[str, str]) -> None:
        """The e-mails sent since the last check are exactly ``expected`` (person, kind): each
        recorded once, sent once, in the community's language (nynorsk)."""
        self.received.update(expected)
        who = {user.email: name for name, user in self.cast.items()}
        with scopes_disabled():
            records = Notification.objects.filter(community=self.community)
            recorded = Counter((who[n.email], n.kind) for n in records)
            assert {n.language for n in records} == {"nn"}
            assert {n.status for n in records} == {Notification.Status.SENT}
        assert recorded == self.received
        assert Counter(who[m.to[0]] for m in mail.outbox) == Counter(
            name for name, _kind in self.received.elements()
        )

    def todo(self, **expected: list[tuple[str, str]]) -> None:
        """Each person's to-do page lists exactly ``expected[name]`` (action, subject), oldest
        first; everyone not named has nothing to do."""
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        url = reverse("todo", kwargs={"community": self.community.slug})
        for name, person in self.cast.items():
            self.client.force_login(person)
            page = self.client.get(url)
            assert page.status_code == 200
            listed = [(todo.action, todo.subject) for todo, _overdue in page.context["todos"]]
            assert listed == expected.get(name, []), name

    def scan(self, moment: dt.datetime) -> None:
        with self.capture(execute=True):
            scan_reminders(moment.isoformat())


@pytest.fixture
def life(world, client, django_capture_on_commit_callbacks):
    return Life(world, client, django_capture_on_commit_callbacks)


def test_one_application_from_draft_to_closed_grant(life):
    title = "Felles legevakt"
    app = complete_application(life.world, community=life.community, owner=life.anne)
    signer_of(life.bjorn, app.responsible_organisation)  # he resubmits it: he signs for it too
    deadline = life.round.closes_at

    # --- the applicants write -----------------------------------------------------------
    with life.act():
        invitation = applications.invitation_create(
            application=app, by=life.anne, email=life.bjorn.email
        )
    life.mails(("bjorn", K.INVITATION))
    life.todo(
        anne=[("Finish and submit the application", title)],
        bjorn=[("Answer the invitation to be co-applicant", title)],
    )
    with life.act():
        applications.invitation_accept(invitation=invitation, user=life.bjorn)
    life.todo(
        anne=[("Finish and submit the application", title)],
        bjorn=[("Finish and submit the application", title)],
    )
    assert deadline > timezone.now()

    # --- submitted, screened, more information, resubmitted -------------------------------
    with life.act():
        applications.application_submit(application=app, user=life.anne)
    life.mails(("anne", K.RECEIPT), ("bjorn", K.RECEIPT))
    life.todo(sigrid=[("Screen the application", title)])

    with life.act():
        applications.application_request_more_info(
            application=app, by=life.sigrid, message="Legg ved avtalen.", steps=["parties"]
        )
    life.mails(("anne", K.MORE_INFO), ("bjorn", K.MORE_INFO))
    more = "Give the information the secretariat asks for, and submit again"
    life.todo(anne=[(more, title)], bjorn=[(more, title)])

    with life.act():
        applications.application_submit(application=app, user=life.bjorn)
    life.mails(("anne", K.RECEIPT), ("bjorn", K.RECEIPT), ("sigrid", K.RESUBMITTED))
    life.todo(sigrid=[("Screen the resubmitted application", title)])

    with life.act():
        applications.application_mark_complete(application=app, by=life.sigrid)
    life.mails()
    life.todo()

    # --- the committee ------------------------------------------------------------------------
    with life.act():
        for member in (life.kari, life.mons):
            committee.member_appoint(round_=life.round, user=member, by=life.sigrid)
    life.mails(("kari", K.APPOINTED), ("mons", K.APPOINTED))
    with scopes_disabled():  # written in nynorsk, whoever's request wrote it
        appointed = Notification.objects.get(kind=K.APPOINTED, email=life.kari.email)
    assert appointed.subject == f"Du er med i komiteen for {life.round.name}"
    life.todo()

    scoring_deadline = timezone.now() + dt.timedelta(days=7)
    with life.act():
        committee.review_open(round_=life.round, scoring_deadline=scoring_deadline, by=life.sigrid)
        committee.review_open(  # the deadline moved: nobody is told twice that it opened
            round_=life.round, scoring_deadline=scoring_deadline, by=life.sigrid
        )
    life.mails(("kari", K.REVIEW_OPENED), ("mons", K.REVIEW_OPENED))
    declare = ("Declare any conflict of interest", title)
    life.todo(kari=[declare], mons=[declare])

    with life.act():
        app.refresh_from_db()
        committee.conflict_declare(application=app, user=life.kari, has_conflict=False)
        committee.conflict_declare(
            application=app, user=life.mons, has_conflict=True, reason="Bror til søkjaren."
        )
    life.todo(kari=[("Score the application", title)])

    # Three days before the scoring deadline the reminder reaches Kari, who has not scored;
    # Mons, disqualified, has nothing left to score. A second scan sends nothing again.
    for _twice in range(2):
        life.scan(scoring_deadline - dt.timedelta(days=3))
    life.mails(("kari", K.SCORING_DEADLINE))

    with life.act():
        app.round.review.refresh_from_db()
        committee.assessment_save(
            application=app,
            user=life.kari,
            scores={c.pk: (c.score_max, None, "Godt.") for c in life.round.scheme.criteria.all()},
            submit=True,
        )
    life.todo()

    # --- the recommendation and the decision -------------------------------------------------
    with scopes_disabled():  # time passes: the scoring deadline is behind us
        RoundReview.objects.filter(round=life.round).update(
            scoring_deadline=timezone.now() - dt.timedelta(minutes=1)
        )
    life.todo()  # the round itself is still open: its recommendation waits for its deadline
    close_round(life.round)
    life.todo(sigrid=[("Write and send the recommendation", life.round.name)])

    with life.act():
        committee.recommendation_save(
            round_=life.round,
            by=life.sigrid,
            items=[
                {
                    "application": app.pk,
                    "order": 1,
                    "grant": True,
                    "amount": Decimal(400_000),
                    "conditions": "",
                    "reason": "",
                }
            ],
            send=True,
        )
    life.mails(("dag", K.DECISION_AWAITED))
    body = life.community.decision_bodies[0]
    life.todo(dag=[(f"Record the decision of {body}", life.round.name)])

    with life.act():
        decisions.decision_save(
            round_=life.round,
            stage=1,
            by=life.dag,
            meeting="SSU 1/2027",
            case_reference="27/1",
            decided_on=timezone.localdate(),
            items=[
                {
                    "application": app.pk,
                    "order": 1,
                    "granted": True,
                    "amount": Decimal(400_000),
                    "period_start": dt.date(2027, 1, 1),
                    "period_end": dt.date(2027, 12, 31),
                    "conditions": "",
                    "reason": "",
                }
            ],
            record=True,
        )
    life.mails()  # the applicants hear of it with the letter
    accept = ("Accept the conditions of the grant", title)
    life.todo(
        sigrid=[("Issue the decision letters", life.round.name)], anne=[accept], bjorn=[accept]
    )

    life.client.force_login(life.sigrid)
    with life.capture(execute=True):
        life.client.post(
            reverse(
                "komite:letters_issue",
                kwargs={"community": life.community.slug, "round": life.round.pk},
            )
        )
    life.mails(("anne", K.DECISION), ("bjorn", K.DECISION))
    life.todo(anne=[accept], bjorn=[accept])

    # --- the money ------------------------------------------------------------------------------
    with scopes_disabled():
        grant = Grant.objects.get(application=app)
    with life.act():
        payments.grant_accept(
            grant=grant, by=life.anne, accepted_as="Kommunalsjef", bank_account="12345678903"
        )
        invoice = payments.payment_register(
            grant=grant,
            by=life.anne,
            number="F-1",
            date=timezone.localdate(),
            amount=Decimal(100_000),
            org_number="964338531",
            organisation_name="Bergen kommune",
            marking=grant.project_number or "F-1",
            file=SimpleUploadedFile("f.pdf", pdf_bytes("faktura"), "application/pdf"),
        )
    life.mails(("frida", K.PAYMENT_REGISTERED))
    paid = f"{title} ({nok_text(Decimal(100_000))})"
    life.todo(frida=[("Approve or return invoice F-1", paid)])

    with life.act():
        payments.payment_approve(payment=invoice, by=life.frida)
    life.todo(frida=[("Mark invoice F-1 as paid", paid)])
    with life.act():
        payments.payment_mark_paid(payment=invoice, by=life.frida, paid_on=timezone.localdate())
    life.mails()
    life.todo()

    with life.act():
        grant.refresh_from_db()
        line = grant.budget_lines.get()
        reallocation = payments.reallocation_request(
            grant=grant,
            by=life.anne,
            reason="Prosjektet tek lengre tid.",
            amounts={line.pk: line.amount},
            period_end=dt.date(2028, 3, 31),
        )
    life.mails(("sigrid", K.REALLOCATION_REQUESTED))
    life.todo(sigrid=[("Decide the reallocation", title)])
    with life.act():
        payments.reallocation_decide(reallocation=reallocation, by=life.sigrid, approve=True)
    life.mails(("anne", K.REALLOCATION_DECIDED), ("bjorn", K.REALLOCATION_DECIDED))
    life.todo()

    # --- the final report -----------------------------------------------------------------------
    months = life.round.scheme.report_due_months
    today = timezone.localdate()

    def report_due_in(days: int) -> None:
        """Time passes: the period has ended, and the report is due in ``days``."""
        with scopes_disabled():
            Grant.objects.filter(pk=grant.pk).update(
                period_end=add_months(today + dt.timedelta(days=days), -months)
            )
            assert Grant.objects.get(pk=grant.pk).report_due == today + dt.timedelta(days=days)

    report_due_in(3)
    for _twice in range(2):
        life.scan(timezone.now())
    life.mails(("anne", K.REPORT_DUE), ("bjorn", K.REPORT_DUE))
    write = ("Write and submit the final report", title)
    life.todo(anne=[write], bjorn=[write])

    report_due_in(-1)
    for _twice in range(2):
        life.scan(timezone.now())
    life.mails(
        ("anne", K.REPORT_OVERDUE), ("bjorn", K.REPORT_OVERDUE), ("sigrid", K.REPORT_OVERDUE)
    )
    life.todo(anne=[write], bjorn=[write], sigrid=[("Follow up the overdue final report", title)])

    with life.act():
        report = reports.report_for(grant)
        reports.report_save(
            report=report,
            by=life.anne,
            fields={
                **dict.fromkeys(type(report).TEXT_FIELDS, "Gjort."),
                "continues": True,
            },
            spending={line.pk: Decimal(100_000)},
            answers={},
            auditor_file=SimpleUploadedFile("r.pdf", pdf_bytes("revisor"), "application/pdf"),
        )
        reports.report_submit(report=report, by=life.anne)
    life.mails(("sigrid", K.REPORT_SUBMITTED))
    decide = ("Approve or return the final report", title)
    life.todo(sigrid=[decide])

    with life.act():
        reports.report_return(report=report, by=life.sigrid, comment="Skriv meir om effekten.")
    life.mails(("anne", K.REPORT_DECIDED), ("bjorn", K.REPORT_DECIDED))
    fix = ("Correct the final report and submit it again", title)
    life.todo(anne=[fix], bjorn=[fix], sigrid=[("Follow up the overdue final report", title)])

    with life.act():
        reports.report_submit(report=report, by=life.bjorn)
    life.mails(("sigrid", K.REPORT_SUBMITTED))
    life.todo(sigrid=[decide])

    with life.act():
        reports.report_approve(report=report, by=life.sigrid)
    life.mails(("anne", K.REPORT_DECIDED), ("bjorn", K.REPORT_DECIDED))
    life.todo()
    with scopes_disabled():
        assert Grant.objects.get(pk=grant.pk).status == Grant.Status.CLOSED
        assert Application.objects.get(pk=app.pk).status == Application.Status.GRANTED

    # Every e-mail of the life, each once.
    assert life.received == Counter(
        {
            ("anne", K.RECEIPT): 2,
            ("bjorn", K.RECEIPT): 2,
            ("bjorn", K.INVITATION): 1,
            ("anne", K.MORE_INFO): 1,
            ("bjorn", K.MORE_INFO): 1,
            ("sigrid", K.RESUBMITTED): 1,
            ("kari", K.APPOINTED): 1,
            ("mons", K.APPOINTED): 1,
            ("kari", K.REVIEW_OPENED): 1,
            ("mons", K.REVIEW_OPENED): 1,
            ("kari", K.SCORING_DEADLINE): 1,
            ("dag", K.DECISION_AWAITED): 1,
            ("anne", K.DECISION): 1,
            ("bjorn", K.DECISION): 1,
            ("frida", K.PAYMENT_REGISTERED): 1,
            ("sigrid", K.REALLOCATION_REQUESTED): 1,
            ("anne", K.REALLOCATION_DECIDED): 1,
            ("bjorn", K.REALLOCATION_DECIDED): 1,
            ("anne", K.REPORT_DUE): 1,
            ("bjorn", K.REPORT_DUE): 1,
            ("anne", K.REPORT_OVERDUE): 1,
            ("bjorn", K.REPORT_OVERDUE): 1,
            ("sigrid", K.REPORT_OVERDUE): 1,
            ("sigrid", K.REPORT_SUBMITTED): 2,
            ("anne", K.REPORT_DECIDED): 2,
            ("bjorn", K.REPORT_DECIDED): 2,
        }
    )
