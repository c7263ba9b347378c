"""Payments: the route from community data, acceptance before payment, invoices marked with the
project number and never beyond the grant (also when two happen at the same moment), finance's
approval, reallocation, repayment, and the finance table."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from komite import decisions
from tilskot.models import Notification, Organisation
from tilskot.roles import Role
from tilskot.services import role_grant
from utbetaling import services
from utbetaling.kept import kept_invoice_get
from utbetaling.models import Grant, Payment, Reallocation
from utbetaling.selectors import totals

from .factories import ApplicationFactory, OrganisationFactory, UserFactory, make_grant
from .pdfs import HOSTILE, pdf_bytes
from .test_decision import items, recommended_round
from .utils import assert_queries_do_not_grow

PDF = "application/pdf"

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 25)


def pdf(name="faktura.pdf"):
    return SimpleUploadedFile(name, pdf_bytes("faktura"), content_type="application/pdf")


@pytest.fixture
def finance(world):
    user = UserFactory(email="okonomi@tilskot.test")
    role_grant(user=user, community=world.bergen, role=Role.FINANCE)
    return user


@pytest.fixture
def grant(world):
    """An accepted 100 000 kr Bergen grant paid against invoices marked R-11326."""
    world.bergen.payment_project_number = "R-11326"
    world.bergen.save()
    with scopes_disabled():
        return make_grant(
            ApplicationFactory(round=world.bergen_round, owner=world.kari), amount=100_000
        )


def register(grant, by, amount, marking="R-11326", number="F-1", **kwargs):
    with scope(community=grant.application.community):
        return services.payment_register(
            grant=grant,
            by=by,
            number=number,
            date=dt.date(2026, 11, 1),
            amount=Decimal(amount),
            org_number="964338531",
            organisation_name="Bergen kommune",
            marking=marking,
            file=kwargs.pop("file", pdf()),
            **kwargs,
        )


class TestOpening:
    def test_the_final_decision_opens_grants_with_the_route_and_a_scaled_budget(self, world):
        world.bergen.payment_project_number = "R-11326"
        world.bergen.internal_booking = True
        world.bergen.save()
        apps = recommended_round(world, world.bergen, world.bergen_round)
        with scope(community=world.bergen):
            unit = OrganisationFactory(
                community=world.bergen,
                kind=Organisation.Kind.HOSPITAL_UNIT,
                parent=Organisation.objects.get(kind="hospital_trust"),
                municipality_number="",
            )
            apps["Beta"].responsible_organisation = unit
            apps["Beta"].save()
            line = apps["Alfa"].budget_lines.get()
            line.requested_amount = 400_000
            line.save()
            apps["Alfa"].budget_lines.create(
                year=2028, organisation=line.organisation, requested_amount=200_000
            )
            decisions.decision_save(
                round_=world.bergen_round,
                stage=1,
                by=world.sigrid,
                meeting="SSU",
                case_reference="1/26",
                decided_on=dt.date(2026, 11, 20),
                items=items(
                    apps,
                    Alfa={"amount": Decimal(450_000), "reason": "Tre firedelar."},
                    Beta={
                        "granted": True,
                        "amount": Decimal(500_000),
                        "period_start": dt.date(2027, 1, 1),
                        "period_end": dt.date(2027, 12, 31),
                    },
                ),
                record=True,
            )
            alfa, beta = Grant.objects.get(application=apps["Alfa"]), apps["Beta"].grant
            assert not alfa.internal
            assert alfa.project_number == "R-11326"
            assert beta.internal  # a unit of the hospital trust books internally
            assert [line.amount for line in alfa.budget_lines.all()] == [
                Decimal(300_000),
                Decimal(150_000),
            ]
            assert sum(line.amount for line in beta.budget_lines.all()) == 500_000
            assert alfa.report_due == dt.date(2028, 3, 31)


class TestAcceptance:
    def test_a_mistyped_account_number_is_refused_clearly(self, world):
        with scopes_disabled():
            grant = make_grant(
                ApplicationFactory(round=world.bergen_round, owner=world.kari), accepted=False
            )
        with scope(community=world.bergen), pytest.raises(ValidationError) as refused:
            services.grant_accept(
                grant=grant, by=world.kari, accepted_as="Kommunalsjef", bank_account="1234.56.78904"
            )
        assert refused.value.messages == [
            "The check digit of account number 1234.56.78904 is wrong: check for a typing error."
        ]
        with scope(community=world.bergen):
            services.grant_accept(
                grant=grant, by=world.kari, accepted_as="Kommunalsjef", bank_account="1234 56 78903"
            )
            grant.refresh_from_db()
        assert grant.bank_account == "12345678903"
        assert grant.accepted_by == world.kari

    def test_nothing_is_paid_before_acceptance(self, world):
        with scopes_disabled():
            grant = make_grant(
                ApplicationFactory(round=world.bergen_round, owner=world.kari), accepted=False
            )
        with pytest.raises(ValidationError, match="must be accepted"):
            register(grant, world.kari, 1000)

    def test_only_the_recipient_accepts(self, world):
        with scopes_disabled():
            grant = make_grant(
                ApplicationFactory(round=world.bergen_round, owner=world.kari), accepted=False
            )
        with scope(community=world.bergen), pytest.raises(PermissionDenied):
            services.grant_accept(grant=grant, by=world.sigrid, accepted_as="x", bank_account="")


class TestInvoices:
    def test_an_invoice_without_the_project_number_is_refused(self, world, grant):
        with pytest.raises(ValidationError, match="must be marked with project number R-11326"):
            register(grant, world.kari, 1000, marking="Prosjekt legevakt")
        payment = register(grant, world.kari, 1000, marking="Prosjekt r 11326 legevakt")
        assert payment.status == Payment.Status.REGISTERED
        assert payment.kind == Payment.Kind.INVOICE

    def test_an_invoice_must_be_a_pdf(self, world, grant):
        word = SimpleUploadedFile("f.docx", b"not a pdf at all", content_type="text/plain")
        with pytest.raises(ValidationError, match="is not a PDF"):
            register(grant, world.kari, 1000, file=word)
        with pytest.raises(ValidationError, match="Attach the invoice as PDF"):
            register(grant, world.kari, 1000, file=None)

    def test_the_same_invoice_is_registered_once(self, world, grant, finance):
        first = register(grant, world.kari, 1000, number="F-7")
        with pytest.raises(ValidationError, match="f-7 from 964338531 is already registered"):
            register(grant, world.kari, 1000, number=" f-7 ")
        register(grant, world.kari, 1000, number="F-8")  # another invoice from the same party
        with scope(community=world.bergen):
            services.payment_return(payment=first, by=finance, reason="Feil beløp")
        assert register(grant, world.kari, 900, number="F-7").status == Payment.Status.REGISTERED

    @pytest.mark.parametrize("kind", list(HOSTILE))
    def test_an_invoice_that_could_act_on_its_own_is_refused(self, world, grant, kind):
        hostile = SimpleUploadedFile("faktura.pdf", HOSTILE[kind](), content_type="application/pdf")
        with pytest.raises(ValidationError, match="cannot be accepted"):
            register(grant, world.kari, 1000, file=hostile)

    def test_no_sequence_of_invoices_claims_more_than_granted(self, world, grant, finance):
        register(grant, world.kari, 60_000)
        with pytest.raises(ValidationError) as refused:
            register(grant, world.kari, 40_001, number="F-2")
        assert "At most 40\u202f000\u00a0kr is left." in refused.value.messages[0]
        second = register(grant, world.kari, 40_000, number="F-2")
        with scope(community=world.bergen):
            services.payment_return(payment=second, by=finance, reason="Feil beløp")
        third = register(grant, world.kari, 40_000, number="F-3")  # a returned one frees room
        with scope(community=world.bergen):
            services.payment_approve(payment=third, by=finance)
            services.payment_mark_paid(payment=third, by=finance, paid_on=TODAY)
            money = totals(grant)
        assert money.invoiced == 100_000
        assert money.approved == 40_000
        assert money.paid == 40_000
        assert money.left == 0

    def test_only_finance_approves_and_returning_tells_the_recipient(
        self, world, grant, finance, django_capture_on_commit_callbacks, mailoutbox
    ):
        payment = register(grant, world.kari, 1000)
        with scope(community=world.bergen), pytest.raises(PermissionDenied):
            services.payment_approve(payment=payment, by=world.sigrid)
        with django_capture_on_commit_callbacks(execute=True), scope(community=world.bergen):
            services.payment_return(payment=payment, by=finance, reason="Manglar merking")
        assert mailoutbox[0].to == ["kari@tilskot.test"]
        assert "Manglar merking" in mailoutbox[0].body
        with scopes_disabled():
            assert Notification.objects.get(recipient=world.kari).kind == (
                Notification.Kind.INVOICE_RETURNED
            )

    def test_approval_is_checked_against_the_grant(self, world, grant, finance):
        with scopes_disabled():
            for number in ("A", "B"):  # e.g. registered before the amount was changed
                Payment.objects.create(
                    grant=grant,
                    kind="invoice",
                    number=number,
                    date=TODAY,
                    amount=60_000,
                    registered_by=world.kari,
                )
            first, second = Payment.objects.order_by("pk")
        with scope(community=world.bergen):
            services.payment_approve(payment=first, by=finance)
            with pytest.raises(ValidationError, match="would approve 120"):
                services.payment_approve(payment=second, by=finance)

    def test_an_internal_grant_books_without_an_invoice(self, world, finance):
        with scopes_disabled():
            grant = make_grant(
                ApplicationFactory(round=world.bergen_round, owner=world.kari), internal=True
            )
        with scope(community=world.bergen):
            booking = services.payment_register(
                grant=grant,
                by=finance,
                number="B-77",
                date=TODAY,
                amount=Decimal(5000),
            )
        assert booking.kind == Payment.Kind.INTERNAL
        assert not booking.file


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two connections at once need PostgreSQL (CI's run)"
)
@pytest.mark.django_db(transaction=True)
class TestAtTheSameMoment:
    """Two requests at once, each on its own database connection: the grant's row lock makes
    them one after the other, so never more than granted."""

    def race(self, calls):
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)

        def run(i, call):
            barrier.wait()
            try:
                results[i] = call()
            except ValidationError as error:
                results[i] = error
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return results

    def test_two_approvals_at_once_never_pay_more_than_granted(self, world, grant, finance):
        with scopes_disabled():
            payments = [
                Payment.objects.create(
                    grant=grant,
                    kind="invoice",
                    number=n,
                    date=TODAY,
                    amount=60_000,
                    registered_by=world.kari,
                )
                for n in ("A", "B")
            ]

        def approve(payment):
            def call():
                with scope(community=world.bergen):
                    return services.payment_approve(payment=payment, by=finance)

            return call

        results = self.race([approve(p) for p in payments])
        assert sum(isinstance(r, ValidationError) for r in results) == 1
        with scopes_disabled():
            assert Payment.objects.filter(status="approved").count() == 1
            assert totals(grant).approved == 60_000

    def test_two_invoices_at_once_never_claim_more_than_granted(self, world, grant):
        results = self.race(
            [lambda n=n: register(grant, world.kari, 60_000, number=n) for n in ("A", "B")]
        )
        assert sum(isinstance(r, ValidationError) for r in results) == 1
        with scopes_disabled():
            assert Payment.objects.count() == 1


class TestReallocation:
    def lines(self, grant):
        with scopes_disabled():
            line = grant.budget_lines.get()
            other = grant.budget_lines.create(
                year=2027, organisation=line.organisation, description="Opplæring", amount=0
            )
        return line, other

    def test_nothing_changes_until_approved(self, world, grant):
        line, other = self.lines(grant)
        with scope(community=world.bergen):
            request = services.reallocation_request(
                grant=grant,
                by=world.kari,
                reason="Meir opplæring",
                amounts={line.pk: Decimal(70_000), other.pk: Decimal(30_000)},
                period_end=dt.date(2028, 6, 30),
            )
            line.refresh_from_db()
            assert line.amount == 100_000  # not yet
            services.reallocation_decide(reallocation=request, by=world.sigrid, approve=True)
            line.refresh_from_db()
            other.refresh_from_db()
            grant.refresh_from_db()
        assert (line.amount, other.amount) == (70_000, 30_000)
        assert grant.period_end == dt.date(2028, 6, 30)
        with scopes_disabled():
            assert line.history.count() == 2  # the change is in the line's history
            assert request.history.count() == 2

    def test_the_lines_must_still_add_up(self, world, grant):
        line, other = self.lines(grant)
        with scope(community=world.bergen), pytest.raises(ValidationError, match="add up"):
            services.reallocation_request(
                grant=grant,
                by=world.kari,
                reason="x",
                amounts={line.pk: Decimal(70_000), other.pk: Decimal(40_000)},
            )

    def test_a_rejection_needs_its_reason_and_changes_nothing(self, world, grant):
        line, other = self.lines(grant)
        with scope(community=world.bergen):
            request = services.reallocation_request(
                grant=grant,
                by=world.kari,
                reason="x",
                amounts={line.pk: Decimal(0), other.pk: Decimal(100_000)},
            )
            with pytest.raises(ValidationError, match="Say why"):
                services.reallocation_decide(reallocation=request, by=world.sigrid, approve=False)
            request = services.reallocation_decide(
                reallocation=request, by=world.sigrid, approve=False, comment="Ikkje i tråd"
            )
            line.refresh_from_db()
        assert line.amount == 100_000
        assert request.status == Reallocation.Status.REJECTED


class TestRepayment:
    def test_a_claim_is_open_until_settled_and_at_most_what_was_paid(self, world, grant, finance):
        payment = register(grant, world.kari, 50_000)
        with scope(community=world.bergen):
            services.payment_approve(payment=payment, by=finance)
            services.payment_mark_paid(payment=payment, by=finance, paid_on=TODAY)
            with pytest.raises(ValidationError, match="Only what was paid"):
                services.repayment_claim(
                    grant=grant,
                    by=world.sigrid,
                    amount=Decimal(50_001),
                    reason="x",
                    due_date=dt.date(2030, 1, 1),
                )
            claim = services.repayment_claim(
                grant=grant,
                by=world.sigrid,
                amount=Decimal(20_000),
                reason="Ikkje brukt som søkt",
                due_date=dt.date(2030, 1, 1),
            )
            assert claim.is_open
            services.repayment_settle(claim=claim, by=finance, settled_on=TODAY)
            claim.refresh_from_db()
        assert not claim.is_open


# An invoice as the recipient types it on the grant page, marked without the project number.
TYPED_INVOICE = {
    "payment-number": "F-9",
    "payment-date": "2026-11-01",
    "payment-amount": "1000",
    "payment-org_number": "964338531",
    "payment-organisation_name": "Bergen kommune",
    "payment-marking": "Legevakt",
}


class TestThePages:
    def url(self, grant, name="utbetaling:grant", **kwargs):
        return reverse(name, kwargs={"community": "bergen", "grant": grant.pk, **kwargs})

    def test_a_refused_invoice_keeps_what_was_typed(self, world, client, grant):
        client.force_login(world.kari)
        response = client.post(
            self.url(grant, "utbetaling:payment_register"),
            {**TYPED_INVOICE, "payment-file": pdf()},
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "prosjektnummer R-11326" in page  # nynorsk
        assert 'value="F-9"' in page
        assert 'value="Legevakt"' in page

    def test_a_refused_invoice_keeps_its_pdf_until_it_is_registered(self, world, client, grant):
        """The recipient corrects the marking and sends again without choosing the PDF."""
        client.force_login(world.kari)
        url = self.url(grant, "utbetaling:payment_register")
        typed = TYPED_INVOICE
        upload = SimpleUploadedFile("faktura-9.pdf", pdf_bytes("F-9"), content_type=PDF)
        refused = client.post(url, {**typed, "payment-file": upload})
        assert refused.status_code == 200
        form = refused.context["forms"]["payment"]
        token = form["kept_file"].value()
        assert token
        print(
            "DBG",
            refused.text[
                refused.text.find("id_payment-file") - 300 : refused.text.find("id_payment-file")
                + 700
            ],
        )
        assert "«faktura-9.pdf» er teken vare på" in refused.text
        # A forged or another grant's token keeps nothing.
        forged = client.post(url, {**typed, "payment-marking": "R-11326", "payment-kept_file": "x"})
        assert "Legg ved fakturaen som PDF" in forged.text
        registered = client.post(
            url, {**typed, "payment-marking": "R-11326", "payment-kept_file": token}
        )
        assert registered.status_code == 302
        with scope(community=world.bergen):
            payment = Payment.objects.get(grant=grant)
            with payment.file.open("rb") as stored:
                assert stored.read() == pdf_bytes("F-9")
        assert kept_invoice_get(token=token, grant=grant) is None  # the waiting copy is gone

    def test_a_grant_without_a_project_number_says_so(self, world, client):
        """Nord's sources give no project number: the page says how to go on, not nothing."""
        with scopes_disabled():
            grant = make_grant(ApplicationFactory(round=world.bergen_round, owner=world.kari))
        assert grant.project_number == ""
        client.force_login(world.kari)
        page = client.get(self.url(grant)).text
        assert "Helsefellesskapet har ikkje gjeve noko prosjektnummer" in page

    def test_who_sees_the_grant(self, world, client, grant, finance):
        for user, status in ((world.kari, 200), (world.sigrid, 200), (finance, 200)):
            client.force_login(user)
            assert client.get(self.url(grant)).status_code == status
        client.force_login(world.per)
        assert client.get(self.url(grant)).status_code == 404

    def test_the_case_page_links_to_the_grant(self, world, client, grant):
        client.force_login(world.kari)
        page = client.get(grant.application.get_absolute_url()).content.decode()
        assert self.url(grant) in page


class TestFinanceTable:
    def test_filters_totals_and_exports(self, world, client, grant, finance):
        register(grant, world.kari, 30_000)
        client.force_login(finance)
        url = reverse("utbetaling:finance", kwargs={"community": "bergen"})
        page = client.get(url).content.decode()
        assert grant.application.title in page
        assert "30\u202f000\u00a0kr" in page
        assert "70\u202f000\u00a0kr" in page  # left
        assert grant.application.title not in client.get(url, {"status": "closed"}).content.decode()
        csv = client.get(url, {"format": "csv"}).content.decode()
        assert "100000.00" in csv
        assert "30000.00" in csv
        xlsx = client.get(url, {"format": "xlsx"})
        assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")

    def test_only_finance_and_the_secretariat(self, world, client, grant):
        client.force_login(world.kari)
        assert client.get("/bergen/okonomi/").status_code == 404

    def test_the_query_count_does_not_grow(self, world, client, finance):
        round_ = world.bergen_round
        org = OrganisationFactory(community=world.bergen)

        def grow(n):
            with scopes_disabled():
                for _i in range(n):
                    grant = make_grant(
                        ApplicationFactory(
                            round=round_, owner=world.kari, responsible_organisation=org
                        )
                    )
                    Payment.objects.create(
                        grant=grant,
                        kind="invoice",
                        number="F",
                        date=TODAY,
                        amount=10,
                        registered_by=world.kari,
                    )

        client.force_login(finance)
        queries = assert_queries_do_not_grow(
            lambda: client.get("/bergen/okonomi/"), grow, sizes=(10, 1000)
        )
        assert queries <= 12
