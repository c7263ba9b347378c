"""The committee for a round: appointed by the secretariat, opened for review, and each member's
declaration of conflict of interest before they may see an application (forvaltningsloven § 6)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from komite import rules, services
from komite.models import ConflictDeclaration, Membership
from soknad.models import Application
from tilskot.models import CommitteeSeat, Organisation
from tilskot.roles import Role, roles_of

from .factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def bergen(world):
    """Bergen's round with a complete application from a municipality and a unit of the trust,
    and per (no role yet) to be appointed."""
    with scope(community=world.bergen):
        trust = Organisation.objects.get(kind="hospital_trust")
        unit = Organisation.objects.create(
            community=world.bergen, kind="hospital_unit", name="Voss sjukehus", parent=trust
        )
        municipality = OrganisationFactory(community=world.bergen, name="Voss herad")
        application = Application.objects.create(
            round=world.bergen_round,
            owner=world.kari,
            title="Heimeteneste",
            responsible_organisation=municipality,
            status=Application.Status.COMPLETE,
        )
        application.partners.set([unit])
    return {"trust": trust, "municipality": municipality, "application": application}


def appoint(world, user, employer=None):
    with scope(community=world.bergen):
        return services.member_appoint(
            round_=world.bergen_round, user=user, by=world.sigrid, employer=employer
        )


def open_review(world):
    with scope(community=world.bergen):
        services.review_open(
            round_=world.bergen_round,
            by=world.sigrid,
            scoring_deadline=timezone.now() + dt.timedelta(days=10),
        )


class TestAppointment:
    def test_the_secretariat_appoints_by_e_mail_and_the_member_gets_the_role(
        self, world, client, bergen
    ):
        client.force_login(world.sigrid)
        url = reverse(
            "komite:committee", kwargs={"community": "bergen", "round": world.bergen_round.pk}
        )
        response = client.post(
            url, {"action": "appoint", "email": "PER@tilskot.test", "employer": bergen["trust"].pk}
        )
        assert response.status_code == 302
        with scope(community=world.bergen):
            member = Membership.objects.get()
        assert (member.user, member.employer, member.appointed_by) == (
            world.per,
            bergen["trust"],
            world.sigrid,
        )
        assert roles_of(world.per, world.bergen) == {Role.COMMITTEE}
        assert roles_of(world.per, world.ostfold) == set()

    def test_seats_are_offered_only_where_the_community_describes_them(self, world, client, bergen):
        """Nord's sources state no seats: no empty "Seat" choice, a word on the page instead."""
        client.force_login(world.sigrid)
        url = reverse(
            "komite:committee", kwargs={"community": "bergen", "round": world.bergen_round.pk}
        )
        page = client.get(url)
        assert 'name="seat"' not in page.text
        assert page.context["appoint_form"].fields.keys() == {"email", "employer"}
        assert "blir oppnemnde utan ein plass" in page.text
        with scope(community=world.bergen):
            seat = CommitteeSeat.objects.create(
                community=world.bergen, order=1, title="Brukarrepresentant", count=1
            )
        page = client.get(url)
        assert f'<option value="{seat.pk}">Brukarrepresentant (0 av 1 tekne)</option>' in page.text
        response = client.post(url, {"action": "appoint", "email": "per@tilskot.test"})
        assert response.status_code == 302

    def test_a_seat_takes_no_more_members_than_its_count(self, world, client, bergen):
        """A seat for two: the third appointment to it is refused, naming the seat, on the
        form with what was typed; another seat, or none, still takes them."""
        with scope(community=world.bergen):
            seat = CommitteeSeat.objects.create(
                community=world.bergen, order=1, title="Kommunal representant", count=2
            )
            other = CommitteeSeat.objects.create(
                community=world.bergen, order=2, title="Brukarrepresentant", count=1
            )
            for user in (world.per, world.kari):
                services.member_appoint(
                    round_=world.bergen_round, user=user, by=world.sigrid, seat=seat
                )
        third = UserFactory(email="tredje@tilskot.test")
        client.force_login(world.sigrid)
        url = reverse(
            "komite:committee", kwargs={"community": "bergen", "round": world.bergen_round.pk}
        )
        data = {
            "action": "appoint",
            "email": "tredje@tilskot.test",
            "seat": seat.pk,
            "employer": bergen["trust"].pk,
        }
        page = client.post(url, data)
        assert page.status_code == 200
        [message] = page.context["appoint_form"].errors["seat"]
        assert "«Kommunal representant»" in message or "“Kommunal representant”" in message
        assert "2" in message
        assert [anchor for anchor, _m in page.context["appoint_errors"]] == ["id_seat"]
        assert 'value="tredje@tilskot.test"' in page.text  # nothing typed is lost
        assert "Kommunal representant (2 av 2 tekne)" in page.text
        with scope(community=world.bergen):
            assert Membership.objects.filter(seat=seat).count() == 2
            with pytest.raises(ValidationError) as refused:
                services.member_appoint(
                    round_=world.bergen_round, user=third, by=world.sigrid, seat=seat
                )
            assert "Kommunal representant" in refused.value.message_dict["seat"][0]
        assert client.post(url, {**data, "seat": other.pk}).status_code == 302

    def test_unknown_address_and_second_appointment_are_clear_errors(self, world, client, bergen):
        client.force_login(world.sigrid)
        url = reverse(
            "komite:committee", kwargs={"community": "bergen", "round": world.bergen_round.pk}
        )
        page = client.post(url, {"action": "appoint", "email": "ingen@tilskot.test"})
        assert page.status_code == 200
        assert "email" in page.context["appoint_form"].errors
        appoint(world, world.per)
        again = client.post(url, {"action": "appoint", "email": "per@tilskot.test"}, follow=True)
        assert any(
            "already on the committee" in str(m) or "allereie" in str(m)
            for m in again.context["messages"]
        )

    def test_only_the_communitys_secretariat(self, world, client, bergen):
        url = reverse(
            "komite:committee", kwargs={"community": "bergen", "round": world.bergen_round.pk}
        )
        client.force_login(world.ola)  # Østfold's secretariat
        assert client.get(url).status_code == 404
        with scope(community=world.bergen), pytest.raises(PermissionDenied):
            services.member_appoint(round_=world.bergen_round, user=world.per, by=world.ola)

    def test_the_scoring_deadline_must_be_in_the_future(self, world, bergen):
        with scope(community=world.bergen), pytest.raises(ValidationError):
            services.review_open(
                round_=world.bergen_round,
                by=world.sigrid,
                scoring_deadline=timezone.now() - dt.timedelta(minutes=1),
            )


class TestConflictOfInterest:
    def test_nothing_to_declare_before_the_round_is_open(self, world, bergen):
        appoint(world, world.per)
        with scope(community=world.bergen), pytest.raises(ValidationError, match="not open"):
            services.conflict_declare(
                application=bergen["application"], user=world.per, has_conflict=False
            )

    def test_no_conflict_opens_the_application(self, world, client, bergen):
        appoint(world, world.per)
        open_review(world)
        client.force_login(world.per)
        app_url = reverse(
            "komite:application",
            kwargs={"community": "bergen", "application": bergen["application"].pk},
        )
        assert client.get(app_url).status_code == 404  # not before the declaration
        declare_url = reverse(
            "komite:declare",
            kwargs={"community": "bergen", "application": bergen["application"].pk},
        )
        response = client.post(declare_url, {"conflict": "no", "reason": ""})
        assert response.status_code == 302
        assert response.url == app_url
        page = client.get(app_url)
        assert page.status_code == 200
        assert "Heimeteneste" in page.text
        with scope(community=world.bergen):
            declared = ConflictDeclaration.objects.get()
        assert (declared.has_conflict, declared.flagged) == (False, False)

    def test_a_conflict_needs_a_reason_and_closes_the_application(self, world, client, bergen):
        appoint(world, world.per)
        open_review(world)
        with scope(community=world.bergen):
            with pytest.raises(ValidationError, match="reason"):
                services.conflict_declare(
                    application=bergen["application"], user=world.per, has_conflict=True
                )
            services.conflict_declare(
                application=bergen["application"],
                user=world.per,
                has_conflict=True,
                reason="Systera mi er prosjektleiar.",
            )
            assert not rules.can_review(world.per, bergen["application"])
            with pytest.raises(ValidationError, match="already declared"):
                services.conflict_declare(
                    application=bergen["application"], user=world.per, has_conflict=False
                )
        client.force_login(world.per)
        assert (
            client.get(
                reverse(
                    "komite:application",
                    kwargs={"community": "bergen", "application": bergen["application"].pk},
                )
            ).status_code
            == 404
        )

    @pytest.mark.parametrize("employer", ["trust", "municipality"])
    def test_employee_of_a_party_is_flagged_and_must_explain(self, world, client, bergen, employer):
        # The trust counts as a party through its unit Voss sjukehus.
        appoint(world, world.per, employer=bergen[employer])
        open_review(world)
        client.force_login(world.per)
        declare_url = reverse(
            "komite:declare",
            kwargs={"community": "bergen", "application": bergen["application"].pk},
        )
        page = client.get(declare_url)
        assert page.context["flagged"]
        assert page.context["form"]["conflict"].value() == "yes"
        refused = client.post(declare_url, {"conflict": "no", "reason": ""})
        assert refused.status_code == 200
        assert refused.context["error_list"]
        accepted = client.post(
            declare_url, {"conflict": "no", "reason": "Eg arbeider i ei anna avdeling."}
        )
        assert accepted.status_code == 302
        with scope(community=world.bergen):
            assert ConflictDeclaration.objects.get().flagged

    def test_other_member_is_not_flagged(self, world, bergen):
        other = OrganisationFactory(community=world.bergen, name="Askøy kommune")
        member = appoint(world, world.per, employer=other)
        with scope(community=world.bergen):
            assert not rules.employed_by_a_party(member, bergen["application"])

    def test_non_members_and_other_communities_see_nothing(self, world, client, bergen):
        open_review(world)
        stranger = UserFactory(email="framand@tilskot.test")
        client.force_login(stranger)
        for name, kwargs in (
            ("komite:review", {"round": world.bergen_round.pk}),
            ("komite:declare", {"application": bergen["application"].pk}),
            ("komite:application", {"application": bergen["application"].pk}),
        ):
            assert (
                client.get(reverse(name, kwargs={"community": "bergen", **kwargs})).status_code
                == 404
            )

    def test_the_review_list_shows_declarations_and_flags(self, world, client, bergen):
        appoint(world, world.per, employer=bergen["trust"])
        open_review(world)
        with scopes_disabled():
            Application.objects.create(
                round=world.bergen_round,
                owner=world.kari,
                title="Utkast",
                status=Application.Status.DRAFT,
            )
        client.force_login(world.per)
        page = client.get(
            reverse("komite:review", kwargs={"community": "bergen", "round": world.bergen_round.pk})
        )
        rows = page.context["rows"]
        assert [(r["application"].title, r["flagged"], r["declaration"]) for r in rows] == [
            ("Heimeteneste", True, None)
        ]


def test_a_member_without_a_conflict_reads_the_attachments(
    world, client, bergen, settings, tmp_path
):
    from .factories import DocumentFactory

    with scopes_disabled():
        document = DocumentFactory(application=bergen["application"])
    url = reverse(
        "soknad:document",
        kwargs={
            "community": "bergen",
            "application": bergen["application"].pk,
            "document": document.pk,
        },
    )
    appoint(world, world.per)
    open_review(world)
    client.force_login(world.per)
    assert client.get(url).status_code == 404  # not before the declaration
    with scope(community=world.bergen):
        services.conflict_declare(
            application=bergen["application"], user=world.per, has_conflict=False
        )
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    member = UserFactory(email="inhabil@tilskot.test")
    appoint(world, member)
    with scope(community=world.bergen):
        services.conflict_declare(
            application=bergen["application"],
            user=member,
            has_conflict=True,
            reason="Leiar hos søkjaren",
        )
    client.force_login(member)
    assert client.get(url).status_code == 404


def test_removing_with_a_bad_member_id_is_a_404_not_a_500(world, client, bergen):
    client.force_login(world.sigrid)
    url = reverse(
        "komite:committee", kwargs={"community": "bergen", "round": world.bergen_round.pk}
    )
    assert client.post(url, {"action": "remove", "member": "abc"}).status_code == 404
    assert client.post(url, {"action": "remove", "member": "999999"}).status_code == 404
