"""Representation: who may act for a member organisation.

A person's affiliation is unverified until an admin of that organisation, the secretariat or the
identity provider confirms it, as writer or signer. Submitting where the organisation is the
responsible applicant, accepting a grant and registering an invoice need a confirmed signer
(or, where the scheme requires none, a confirmed writer). Every change is in the history.

Assertions compare states, codes and the names shown, not wording, so they hold in every
language the lead translates into; a refusal's reason is read in English, as the services say
it outside a request.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from soknad import representation, rules, services
from soknad.models import Affiliation, Application
from soknad.profile import affiliation_add
from tilskot.models import Notification
from tilskot.roles import Role, roles_of
from tilskot.services import role_grant
from tilskot.signals import identity_verified
from tilskot.todo import todos
from utbetaling import services as payments

from .factories import AffiliationFactory, OrganisationFactory, UserFactory, make_grant
from .pdfs import pdf_bytes
from .test_applications import complete_application
from .utils import count_queries

pytestmark = pytest.mark.django_db

Via = Affiliation.Via
SIGNER, WRITER = Affiliation.Capacity.SIGNER, Affiliation.Capacity.WRITER


class Cast:
    """Bergen's municipality of Askøy with its admin Ingrid (a signer), Siv (a signer), Anne who
    says she works there (unverified), and Osvald, admin of another municipality (Øygarden)."""

    def __init__(self, world):
        self.world = world
        with scopes_disabled():
            self.askoy = OrganisationFactory(community=world.bergen, name="Askøy kommune")
            self.oygarden = OrganisationFactory(community=world.bergen, name="Øygarden kommune")
        self.ingrid = UserFactory(email="ingrid@askoy.test", first_name="Ingrid", last_name="Lie")
        self.siv = UserFactory(email="siv@askoy.test", first_name="Siv", last_name="Berg")
        self.anne = UserFactory(email="anne@askoy.test", first_name="Anne", last_name="Dal")
        self.osvald = UserFactory(email="osvald@oygarden.test", first_name="Osvald", last_name="Ø")
        with scopes_disabled():
            self.ingrid_at_askoy = AffiliationFactory(
                user=self.ingrid, organisation=self.askoy, admin=True
            )
            AffiliationFactory(user=self.siv, organisation=self.askoy)
            AffiliationFactory(user=self.osvald, organisation=self.oygarden, admin=True)
        with scope(community=world.bergen):
            self.anne_at_askoy = affiliation_add(user=self.anne, organisation=self.askoy)
        for person in (self.ingrid, self.siv, self.osvald):
            role_grant(user=person, community=world.bergen, role=Role.APPLICANT)

    def refresh(self, affiliation: Affiliation) -> Affiliation:
        with scopes_disabled():
            return Affiliation.objects.filter(pk=affiliation.pk).first()


@pytest.fixture
def cast(world):
    return Cast(world)


def draft_of(cast, owner):
    """A complete draft in Bergen for Askøy, by ``owner``, ready but for who signs."""
    app = complete_application(cast.world, community=cast.world.bergen, owner=owner)
    with scopes_disabled():
        Application.objects.filter(pk=app.pk).update(responsible_organisation=cast.askoy)
        app.refresh_from_db()
        Affiliation.objects.filter(user=owner).exclude(organisation=cast.askoy).delete()
    return app


# --- predicates ---------------------------------------------------------------------------------


class TestPredicates:
    def test_only_a_confirmed_signer_may_sign(self, cast, world):
        with scope(community=world.bergen):
            scheme = world.bergen_round.scheme
            assert rules.may_sign_for(cast.siv, cast.askoy)
            assert rules.may_sign_for(cast.siv, cast.askoy, scheme)
            assert not rules.may_sign_for(cast.anne, cast.askoy, scheme)  # unverified
            assert not rules.may_sign_for(cast.osvald, cast.askoy, scheme)  # another one's
            assert not rules.may_sign_for(world.per, cast.askoy, scheme)
            assert [u.email for u in rules.signers_of(cast.askoy)] == [
                "ingrid@askoy.test",
                "siv@askoy.test",
            ]
            assert rules.admins_of(cast.askoy) == [cast.ingrid]

    def test_without_a_signer_required_a_confirmed_writer_may_sign_never_the_unverified(
        self, cast, world
    ):
        with scope(community=world.bergen):
            scheme = world.bergen_round.scheme
            scheme.requires_signer = False
            representation.affiliation_confirm(
                affiliation=cast.anne_at_askoy,
                by=cast.ingrid,
                capacity=WRITER,
                via=Via.ORGANISATION_ADMIN,
            )
            assert rules.may_sign_for(cast.anne, cast.askoy, scheme)
            scheme.requires_signer = True
            assert not rules.may_sign_for(cast.anne, cast.askoy, scheme)
            other = UserFactory()
            AffiliationFactory(user=other, organisation=cast.askoy, unverified=True)
            scheme.requires_signer = False
            assert not rules.may_sign_for(other, cast.askoy, scheme)

    def test_what_is_missing_is_said_exactly(self, cast, world):
        with scope(community=world.bergen):
            scheme = world.bergen_round.scheme
            unverified = rules.signing_for(cast.anne, cast.askoy, scheme)
            assert unverified.reason == (
                "Your affiliation to Askøy kommune is not confirmed yet: an organisation admin "
                "(Ingrid Lie) or the secretariat can confirm it."
            )
            assert unverified.signers == [cast.ingrid, cast.siv]
            representation.affiliation_confirm(
                affiliation=cast.anne_at_askoy,
                by=cast.ingrid,
                capacity=WRITER,
                via=Via.ORGANISATION_ADMIN,
            )
            assert rules.signing_for(cast.anne, cast.askoy, scheme).reason == (
                "You are not confirmed as a signer for Askøy kommune. Ask one of: Ingrid Lie, "
                "Siv Berg."
            )
            assert "You do not work for Askøy kommune" in (
                rules.signing_for(cast.osvald, cast.askoy, scheme).reason
            )
            assert rules.signing_for(cast.siv, cast.askoy, scheme).ok
            lonely = OrganisationFactory(community=world.bergen, name="Fedje kommune")
            nobody = rules.signing_for(cast.anne, lonely, scheme).reason
            assert "Fedje kommune has no confirmed signer in Tilskot yet." in nobody
            AffiliationFactory(user=cast.anne, organisation=lonely, unverified=True)
            assert rules.signing_for(cast.anne, lonely, scheme).reason == (
                "Your affiliation to Fedje kommune is not confirmed yet: the secretariat can "
                "confirm it."
            )


# --- services -----------------------------------------------------------------------------------


class TestConfirming:
    def test_an_organisation_admin_confirms_a_colleague_in_the_history(self, cast, world):
        with scope(community=world.bergen):
            affiliation = representation.affiliation_confirm(
                affiliation=cast.anne_at_askoy,
                by=cast.ingrid,
                capacity=WRITER,
                via=Via.ORGANISATION_ADMIN,
            )
            assert (
                affiliation.status,
                affiliation.capacity,
                affiliation.confirmed_by,
                affiliation.confirmed_via,
            ) == ("confirmed", "writer", cast.ingrid, "organisation_admin")
            assert affiliation.confirmed_at is not None
            representation.affiliation_capacity_set(
                affiliation=affiliation, by=world.sigrid, capacity=SIGNER
            )
            representation.affiliation_admin_set(
                affiliation=affiliation, by=cast.ingrid, is_admin=True
            )
            history = list(affiliation.history.order_by("history_id"))
        assert [(h.history_type, h.status, h.capacity, h.is_admin) for h in history] == [
            ("+", "unverified", "writer", False),
            ("~", "confirmed", "writer", False),
            ("~", "confirmed", "signer", False),
            ("~", "confirmed", "signer", True),
        ]
        assert [h.history_user for h in history] == [
            cast.anne,
            cast.ingrid,
            world.sigrid,
            cast.ingrid,
        ]

    def test_an_organisation_admin_cannot_confirm_people_for_another_organisation(
        self, cast, world
    ):
        with scope(community=world.bergen):
            for act in (
                lambda: representation.affiliation_confirm(
                    affiliation=cast.anne_at_askoy,
                    by=cast.osvald,
                    capacity=SIGNER,
                    via=Via.ORGANISATION_ADMIN,
                ),
                lambda: representation.affiliation_capacity_set(
                    affiliation=cast.ingrid_at_askoy, by=cast.osvald, capacity=WRITER
                ),
                lambda: representation.affiliation_admin_set(
                    affiliation=cast.ingrid_at_askoy, by=cast.osvald, is_admin=False
                ),
                lambda: representation.affiliation_dismiss(
                    affiliation=cast.anne_at_askoy, by=cast.osvald
                ),
            ):
                with pytest.raises(PermissionDenied):
                    act()
        assert cast.refresh(cast.anne_at_askoy).status == "unverified"
        assert cast.refresh(cast.ingrid_at_askoy).is_admin

    def test_nor_may_a_signer_who_is_no_admin_nor_the_other_communitys_secretariat(
        self, cast, world
    ):
        with scope(community=world.bergen):
            for by, via in (
                (cast.siv, Via.ORGANISATION_ADMIN),
                (cast.siv, Via.SECRETARIAT),
                (world.ola, Via.SECRETARIAT),  # Østfold's
                (cast.anne, Via.IDENTITY_PROVIDER),  # the provider vouches for oneself only
            ):
                target = cast.ingrid_at_askoy if by == cast.anne else cast.anne_at_askoy
                with pytest.raises(PermissionDenied):
                    representation.affiliation_confirm(
                        affiliation=target, by=by, capacity=SIGNER, via=via
                    )

    def test_nobody_confirms_or_raises_themselves(self, cast, world):
        with scope(community=world.bergen):
            role_grant(user=cast.anne, community=world.bergen, role=Role.SECRETARIAT)
            with pytest.raises(ValidationError):
                representation.affiliation_confirm(
                    affiliation=cast.anne_at_askoy,
                    by=cast.anne,
                    capacity=SIGNER,
                    via=Via.SECRETARIAT,
                )
            writer = AffiliationFactory(
                user=UserFactory(), organisation=cast.askoy, writer=True, admin=True
            )
            with pytest.raises(ValidationError):
                representation.affiliation_capacity_set(
                    affiliation=writer, by=writer.user, capacity=SIGNER
                )
            # Stepping down is one's own to do.
            representation.affiliation_admin_set(affiliation=writer, by=writer.user, is_admin=False)
        assert not cast.refresh(writer).is_admin

    def test_only_the_confirmed_are_admins(self, cast, world):
        with scope(community=world.bergen), pytest.raises(ValidationError):
            representation.affiliation_admin_set(
                affiliation=cast.anne_at_askoy, by=world.sigrid, is_admin=True
            )

    def test_the_secretariat_confirms_and_an_admin_removes(self, cast, world):
        with scope(community=world.bergen):
            representation.affiliation_confirm(
                affiliation=cast.anne_at_askoy,
                by=world.sigrid,
                capacity=SIGNER,
                via=Via.SECRETARIAT,
            )
            assert rules.may_sign_for(cast.anne, cast.askoy, world.bergen_round.scheme)
            representation.affiliation_dismiss(affiliation=cast.anne_at_askoy, by=cast.ingrid)
            assert not Affiliation.objects.filter(pk=cast.anne_at_askoy.pk).exists()
            last = Affiliation.history.filter(id=cast.anne_at_askoy.pk).latest()
        assert (last.history_type, last.history_user) == ("-", cast.ingrid)


# --- the refusals where an organisation is bound ------------------------------------------------


class TestBinding:
    def test_submitting_needs_a_signer_and_says_what_is_missing(self, cast, world):
        app = draft_of(cast, cast.anne)
        with scope(community=world.bergen):
            with pytest.raises(services.SubmissionRefusedError) as refused:
                services.application_submit(application=app, user=cast.anne)
            assert refused.value.messages == [
                "Your affiliation to Askøy kommune is not confirmed yet: an organisation admin "
                "(Ingrid Lie) or the secretariat can confirm it."
            ]
            representation.affiliation_confirm(
                affiliation=cast.anne_at_askoy,
                by=cast.ingrid,
                capacity=WRITER,
                via=Via.ORGANISATION_ADMIN,
            )
            with pytest.raises(services.SubmissionRefusedError) as refused:
                services.application_submit(application=app, user=cast.anne)
            assert refused.value.messages == [
                "You are not confirmed as a signer for Askøy kommune. Ask one of: Ingrid Lie, "
                "Siv Berg."
            ]
            app.refresh_from_db()
            assert app.status == Application.Status.DRAFT

    def test_without_a_signer_required_a_confirmed_writer_submits(self, cast, world):
        app = draft_of(cast, cast.anne)
        with scope(community=world.bergen):
            scheme = world.bergen_round.scheme
            scheme.requires_signer = False
            scheme.save()
            representation.affiliation_confirm(
                affiliation=cast.anne_at_askoy,
                by=cast.ingrid,
                capacity=WRITER,
                via=Via.ORGANISATION_ADMIN,
            )
            services.application_submit(application=app, user=cast.anne)
            app.refresh_from_db()
        assert app.status == Application.Status.SUBMITTED

    def test_accepting_a_grant_and_registering_an_invoice_need_a_signer(self, cast, world):
        with scopes_disabled():
            grant = make_grant(
                Application.objects.create(
                    round=world.bergen_round,
                    owner=cast.anne,
                    responsible_organisation=cast.askoy,
                    title="Felles legevakt",
                ),
                accepted=False,
            )
        with scope(community=world.bergen):
            with pytest.raises(ValidationError) as refused:
                payments.grant_accept(
                    grant=grant, by=cast.anne, accepted_as="Rådgjevar", bank_account="12345678903"
                )
            assert "not confirmed yet" in refused.value.messages[0]
            representation.affiliation_confirm(
                affiliation=cast.anne_at_askoy,
                by=world.sigrid,
                capacity=SIGNER,
                via=Via.SECRETARIAT,
            )
            payments.grant_accept(
                grant=grant, by=cast.anne, accepted_as="Rådgjevar", bank_account="12345678903"
            )
            representation.affiliation_capacity_set(
                affiliation=cast.anne_at_askoy, by=cast.ingrid, capacity=WRITER
            )

            def register(by):
                return payments.payment_register(
                    grant=grant,
                    by=by,
                    number="F-1",
                    date=timezone.localdate(),
                    amount=Decimal(1000),
                    org_number="964338531",
                    marking=grant.project_number or "F-1",
                    file=SimpleUploadedFile("f.pdf", pdf_bytes("faktura"), "application/pdf"),
                )

            with pytest.raises(ValidationError) as refused:
                register(cast.anne)
            assert refused.value.messages[0].startswith(
                "You are not confirmed as a signer for Askøy kommune."
            )
            register(world.sigrid)  # the secretariat registers for the recipient

    def test_the_grant_page_says_beforehand_who_may_accept(self, cast, world, client):
        with scopes_disabled():
            grant = make_grant(
                Application.objects.create(
                    round=world.bergen_round,
                    owner=cast.anne,
                    responsible_organisation=cast.askoy,
                    title="Felles legevakt",
                ),
                accepted=False,
            )
        client.force_login(cast.anne)
        client.cookies["django_language"] = "en"  # the reason in English
        page = client.get(grant.get_absolute_url())
        assert "not confirmed yet" in page.context["signing_refusal"]
        assert "signing-reason" in page.text
        client.force_login(world.sigrid)
        assert client.get(grant.get_absolute_url()).context["signing_refusal"] == ""


# --- asking a signer ----------------------------------------------------------------------------


def test_a_writer_asks_a_signer_who_submits(
    cast, world, client, django_capture_on_commit_callbacks
):
    app = draft_of(cast, cast.anne)
    with scope(community=world.bergen):
        representation.affiliation_confirm(
            affiliation=cast.anne_at_askoy,
            by=cast.ingrid,
            capacity=WRITER,
            via=Via.ORGANISATION_ADMIN,
        )
    client.force_login(cast.anne)
    review = reverse(
        "soknad:step", kwargs={"community": "bergen", "application": app.pk, "step": "review"}
    )
    page = client.get(review)
    assert page.context["signing"].signers == [cast.ingrid, cast.siv]
    assert not page.context["can_submit"]
    assert "ask-signer" in page.text
    ask = reverse("soknad:signature_request", kwargs={"community": "bergen", "application": app.pk})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(ask, {"signer": cast.siv.pk, "back": "review"})
        client.post(ask, {"signer": cast.siv.pk, "back": "review"})  # twice: one e-mail
    assert response.url == review
    with scopes_disabled():
        sent = list(Notification.objects.filter(kind="signature_requested"))
        assert [(n.email, n.language) for n in sent] == [("siv@askoy.test", "nn")]
        assert f"/bergen/soknad/{app.pk}/steg/review/" in sent[0].body_text
        assert "Askøy kommune" in sent[0].subject
        notes = [c.message for c in app.status_changes.all()]
    assert len(notes) == 1
    assert "Siv Berg" in notes[0]
    # The signer now sees the application and submits it.
    client.force_login(cast.siv)
    assert client.get(review).context["can_submit"]
    submitted = client.post(
        reverse("soknad:submit", kwargs={"community": "bergen", "application": app.pk})
    )
    assert submitted.status_code == 302
    assert "/kvittering/1/" in submitted.url


def test_only_a_signer_of_the_responsible_organisation_is_asked(cast, world, client):
    app = draft_of(cast, cast.anne)
    client.force_login(cast.anne)
    ask = reverse("soknad:signature_request", kwargs={"community": "bergen", "application": app.pk})
    for signer in (cast.osvald.pk, "x", "²", 10**30):
        response = client.post(ask, {"signer": signer}, follow=True)
        assert response.status_code == 200
        assert [m.level_tag for m in response.context["messages"]] == ["error"]
    with scopes_disabled():
        assert not Notification.objects.filter(kind="signature_requested").exists()
    client.force_login(world.per)  # not an applicant of it: nothing to see
    assert client.post(ask, {"signer": cast.siv.pk}).status_code == 404


# --- pages --------------------------------------------------------------------------------------


def people_url(organisation) -> str:
    return reverse(
        "organisation_people",
        kwargs={"community": organisation.community.slug, "organisation": organisation.pk},
    )


class TestOrganisationPage:
    def test_the_admin_confirms_as_writer_then_signer_and_makes_admin(self, cast, world, client):
        client.force_login(cast.ingrid)
        page = client.get(people_url(cast.askoy))
        assert page.status_code == 200
        assert [a.user for a in page.context["people"]] == [cast.anne, cast.ingrid, cast.siv]
        pk = cast.anne_at_askoy.pk
        for action, expected in (
            ("writer", ("confirmed", "writer", False)),
            ("signer", ("confirmed", "signer", False)),
            ("admin", ("confirmed", "signer", True)),
            ("not_admin", ("confirmed", "signer", False)),
        ):
            response = client.post(people_url(cast.askoy), {"action": action, "affiliation": pk})
            assert response.status_code == 302
            a = cast.refresh(cast.anne_at_askoy)
            assert (a.status, a.capacity, a.is_admin) == expected, action
        assert a.confirmed_via == "organisation_admin"
        client.post(people_url(cast.askoy), {"action": "remove", "affiliation": pk})
        assert cast.refresh(cast.anne_at_askoy) is None

    def test_the_secretariat_reaches_every_organisation_of_its_community(self, cast, world, client):
        client.force_login(world.sigrid)
        listing = client.get(reverse("organisation_list", kwargs={"community": "bergen"}))
        assert listing.status_code == 200
        first = listing.context["organisations"][0]
        assert (first, first.unverified, first.people) == (cast.askoy, 1, 3)
        assert people_url(cast.askoy) in listing.text
        secretariat = client.get(reverse("secretariat", kwargs={"community": "bergen"})).text
        assert reverse("organisation_list", kwargs={"community": "bergen"}) in secretariat
        client.post(
            people_url(cast.askoy), {"action": "signer", "affiliation": cast.anne_at_askoy.pk}
        )
        confirmed = cast.refresh(cast.anne_at_askoy)
        assert (confirmed.capacity, confirmed.confirmed_via, confirmed.confirmed_by) == (
            "signer",
            "secretariat",
            world.sigrid,
        )

    def test_another_organisations_admin_and_other_people_get_403(self, cast, world, client):
        for person in (cast.osvald, cast.siv, cast.anne, world.per, world.ola):
            client.force_login(person)
            assert client.get(people_url(cast.askoy)).status_code == 403, person
            response = client.post(
                people_url(cast.askoy), {"action": "signer", "affiliation": cast.anne_at_askoy.pk}
            )
            assert response.status_code == 403
        assert cast.refresh(cast.anne_at_askoy).status == "unverified"
        client.logout()
        assert client.get(people_url(cast.askoy)).status_code == 302

    def test_another_communitys_organisation_is_404(self, cast, world, client):
        with scopes_disabled():
            halden = OrganisationFactory(community=world.ostfold)
            AffiliationFactory(user=cast.ingrid, organisation=halden, admin=True)
        client.force_login(cast.ingrid)
        bergen_address = f"/bergen/organisasjon/{halden.pk}/"
        assert client.get(bergen_address).status_code == 404
        # Nor is another organisation's person changed through this one's page.
        with scopes_disabled():
            oygarden_person = AffiliationFactory(organisation=cast.oygarden, unverified=True)
        response = client.post(
            people_url(cast.askoy), {"action": "signer", "affiliation": oygarden_person.pk}
        )
        assert response.status_code == 404
        assert cast.refresh(oygarden_person).status == "unverified"

    def test_bad_input_is_refused_clearly(self, cast, world, client):
        client.force_login(cast.ingrid)
        for data in (
            {},
            {"action": "signer", "affiliation": "x"},
            {"action": "signer", "affiliation": "²"},
            {"action": "boss", "affiliation": cast.anne_at_askoy.pk},
        ):
            assert client.post(people_url(cast.askoy), data).status_code == 400
        too_large = {"action": "signer", "affiliation": str(10**30)}
        assert client.post(people_url(cast.askoy), too_large).status_code == 404  # nobody
        own = client.post(
            people_url(cast.askoy),
            {"action": "writer", "affiliation": cast.ingrid_at_askoy.pk},
            follow=True,
        )
        assert [m.level_tag for m in own.context["messages"]] == ["error"]
        assert cast.refresh(cast.ingrid_at_askoy).capacity == "signer"

    def test_the_page_reads_at_a_fixed_number_of_queries(self, cast, world, client):
        client.force_login(cast.ingrid)
        client.get(people_url(cast.askoy))
        few, _response = count_queries(lambda: client.get(people_url(cast.askoy)))
        with scopes_disabled():
            for _i in range(10):
                AffiliationFactory(organisation=cast.askoy, unverified=True)
        many, _response = count_queries(lambda: client.get(people_url(cast.askoy)))
        assert few == many


class TestProfileAndCase:
    def test_the_profile_says_who_can_confirm(self, cast, world, client):
        client.force_login(cast.anne)
        page = client.get(reverse("profile", kwargs={"community": "bergen"}))
        [(affiliation, admins)] = page.context["affiliation_rows"]
        assert (affiliation.status, admins) == ("unverified", [cast.ingrid])
        assert "Ingrid Lie" in page.text
        client.force_login(cast.ingrid)
        page = client.get(reverse("profile", kwargs={"community": "bergen"}))
        assert people_url(cast.askoy) in page.text  # an admin reaches the organisation's page

    def test_the_case_page_says_what_is_missing_and_who_signs(self, cast, world, client):
        app = draft_of(cast, cast.anne)
        client.force_login(cast.anne)
        client.cookies["django_language"] = "en"  # the reason in English
        page = client.get(app.get_absolute_url())
        signing = page.context["signing"]
        assert "not confirmed yet" in signing.reason
        assert 'class="signing-reason"' in page.text
        assert page.text.count("ask-signer") == 2


# --- the to-do page -----------------------------------------------------------------------------


def test_organisation_admins_and_the_secretariat_find_people_to_confirm(cast, world):
    with scope(community=world.bergen):
        ingrid = todos(user=cast.ingrid, community=world.bergen)
        sigrid = todos(user=world.sigrid, community=world.bergen)
        osvald = todos(user=cast.osvald, community=world.bergen)
        siv = todos(user=cast.siv, community=world.bergen)
    assert [(t.subject, t.url) for t in ingrid] == [("Askøy kommune", people_url(cast.askoy))]
    assert [t.url for t in sigrid] == ["/bergen/sekretariat/organisasjonar/"]
    assert osvald == siv == []
    with scope(community=world.bergen):
        representation.affiliation_confirm(
            affiliation=cast.anne_at_askoy,
            by=cast.ingrid,
            capacity=WRITER,
            via=Via.ORGANISATION_ADMIN,
        )
        assert todos(user=cast.ingrid, community=world.bergen) == []
        assert todos(user=world.sigrid, community=world.bergen) == []


# --- the identity provider ----------------------------------------------------------------------


class TestIdentityProvider:
    def test_ansattporten_confirms_a_signer_in_every_community_with_that_number(self, cast, world):
        number = cast.askoy.org_number
        with scopes_disabled():
            in_ostfold = OrganisationFactory(community=world.ostfold, org_number=number)
        newcomer = UserFactory()
        identity_verified.send(
            sender=None,
            user=newcomer,
            provider="ansattporten",
            organisation_numbers=[number, "123", "not-a-number"],
            acr="idporten-loa-high",
        )
        with scopes_disabled():
            made = {
                a.organisation: (a.status, a.capacity, a.confirmed_via, a.confirmed_by)
                for a in Affiliation.objects.filter(user=newcomer)
            }
        signer = ("confirmed", "signer", "identity_provider", None)
        assert made == {cast.askoy: signer, in_ostfold: signer}
        with scopes_disabled():
            history = Affiliation.history.filter(user=newcomer, organisation=cast.askoy)
            assert [(h.history_type, h.history_user) for h in history.order_by("history_id")] == [
                ("+", newcomer),
                ("~", newcomer),
            ]
        assert (
            roles_of(newcomer, world.bergen)
            == roles_of(newcomer, world.ostfold)
            == {Role.APPLICANT}
        )
        with scope(community=world.bergen):
            assert rules.may_sign_for(newcomer, cast.askoy, world.bergen_round.scheme)

    def test_an_unverified_claim_is_confirmed_and_stays_admin_once(self, cast, world):
        for _again in range(2):  # every log-in sends it; the second changes nothing
            identity_verified.send(
                sender=None,
                user=cast.anne,
                provider="ansattporten",
                organisation_numbers=[cast.askoy.org_number],
                acr="idporten-loa-substantial",
            )
        with scopes_disabled():
            anne = Affiliation.objects.get(pk=cast.anne_at_askoy.pk)
            history = list(anne.history.order_by("history_id"))
        assert (anne.status, anne.capacity, anne.confirmed_via) == (
            "confirmed",
            "signer",
            "identity_provider",
        )
        assert [(h.history_type, h.status, h.history_user) for h in history] == [
            ("+", "unverified", cast.anne),
            ("~", "confirmed", cast.anne),
        ]

    def test_id_porten_names_no_organisation(self, cast, world):
        identity_verified.send(
            sender=None, user=cast.anne, provider="idporten", organisation_numbers=[], acr="x"
        )
        assert cast.refresh(cast.anne_at_askoy).status == "unverified"


def test_existing_affiliations_become_unverified_and_start_their_history(cast, world):
    """Migration 0004 leaves every existing affiliation unverified, with a first history row."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module("soknad.migrations.0004_affiliation_representation")
    with scopes_disabled():
        Affiliation.history.all().delete()
        migration.history_baseline(apps, None)
        rows = Affiliation.history.filter(id=cast.anne_at_askoy.pk)
        assert [(h.history_type, h.status, h.history_change_reason) for h in rows] == [
            ("+", "unverified", migration.BASELINE_REASON)
        ]
    assert Affiliation._meta.get_field("status").default == "unverified"


def test_the_demo_applicant_signs_for_the_demo_applications(oslo_now):
    """``make run``: the demo applicant may submit, accept and invoice for every demo
    application, and confirms colleagues as the organisations' admin."""
    from django.core.management import call_command

    from tilskot.demo import demo_email, load_demo
    from tilskot.models import Community, User

    call_command("load_reference", verbosity=0)
    load_demo(now=oslo_now)
    load_demo(now=oslo_now)  # again, as every `make run` does: nothing changes twice
    for community in Community.objects.all():
        applicant = User.objects.get(email=demo_email(Role.APPLICANT, community))
        with scope(community=community):
            applications = Application.objects.filter(owner=applicant)
            assert applications.exists()
            for application in applications.select_related("responsible_organisation"):
                assert rules.application_signing(applicant, application).ok, application
            mine = Affiliation.objects.filter(user=applicant)
            assert {(a.status, a.capacity, a.is_admin) for a in mine} == {
                ("confirmed", "signer", True)
            }
            assert all(a.history.count() == 3 for a in mine)  # claimed, confirmed, made admin
