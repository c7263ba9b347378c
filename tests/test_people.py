"""The community's own people, run by its secretariat on Tilskot's pages: invitations by e-mail
to its roles, who holds which, revoking, and the log of every change.

Messages are compared with what gettext makes of them in the page's language, so the tests
hold before and after the translations are written."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import resolve_url
from django.test import Client
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled

from tilskot.models import Notification, RoleChange, RoleInvitation
from tilskot.roles import Role, forget_roles, has_role, roles_of
from tilskot.services import (
    role_grant,
    role_invitation_accept,
    role_invitation_withdraw,
    role_invite,
    role_revoke,
)

from .factories import UserFactory
from .utils import assert_queries_do_not_grow

pytestmark = pytest.mark.django_db

PEOPLE = "/bergen/personer/"
LINK = re.compile(r"http://\S+(/bergen/personer/invitasjon/[0-9a-f-]+/)")


def invite(world, email="ny@tilskot.test", role=Role.FINANCE, by=None) -> RoleInvitation:
    with scope(community=world.bergen):
        return role_invite(community=world.bergen, role=role, email=email, by=by or world.sigrid)


def changes(community) -> list[tuple[str, str, str, str | None]]:
    """The log, oldest first: (action, role, address, by)."""
    with scope(community=community):
        return [
            (c.action, c.role, c.email, c.by.email if c.by else None)
            for c in RoleChange.objects.select_related("by").order_by("at", "pk")
        ]


def invitation_path(invitation: RoleInvitation) -> str:
    return f"/bergen/personer/invitasjon/{invitation.token}/"


# --- services ---------------------------------------------------------------------------------


class TestInvite:
    def test_the_address_gets_the_link_in_the_communitys_language(
        self, world, mailoutbox, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invitation = invite(world, email=" Ny.Okonomi@Tilskot.test ")
        assert invitation.email == "ny.okonomi@tilskot.test"
        assert invitation.role == Role.FINANCE
        assert invitation.state() == RoleInvitation.State.PENDING
        # Valid for two weeks, and only as long as it is waiting.
        assert invitation.expires_at - invitation.created_at == dt.timedelta(days=14)
        assert [m.to for m in mailoutbox] == [["ny.okonomi@tilskot.test"]]
        assert LINK.search(mailoutbox[0].body).group(1) == invitation_path(invitation)
        with scope(community=world.bergen):
            notification = Notification.objects.get()
        assert notification.kind == Notification.Kind.ROLE_INVITATION
        assert notification.language == world.bergen.language == "nn"
        assert notification.recipient is None  # nobody has the address yet
        with translation.override("nn"):
            role = str(Role.FINANCE.label)
        assert role in mailoutbox[0].subject
        assert world.bergen.name in mailoutbox[0].subject
        assert world.sigrid.email in mailoutbox[0].body
        assert changes(world.bergen)[-1] == (
            "invited",
            "finance",
            "ny.okonomi@tilskot.test",
            "sigrid@tilskot.test",
        )

    def test_an_address_with_an_account_sees_it_among_its_notifications(
        self, world, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            invite(world, email=world.per.email, role=Role.DECISION_BODY)
        with scope(community=world.bergen):
            assert Notification.objects.get().recipient == world.per

    @pytest.mark.parametrize("role", ["applicant", "admin", "", "Secretariat"])
    def test_only_the_communitys_own_roles(self, world, role):
        with pytest.raises(ValidationError):
            invite(world, role=role)

    @pytest.mark.parametrize("email", ["", "nope", "a@b@c.no", "før\x00etter@tilskot.test"])
    def test_a_bad_address_is_refused(self, world, email):
        with pytest.raises(ValidationError):
            invite(world, email=email)

    def test_someone_who_holds_the_role_already(self, world):
        with pytest.raises(ValidationError, match="already holds"):
            invite(world, email="SIGRID@tilskot.test", role=Role.SECRETARIAT)
        # Another role is a new invitation.
        assert invite(world, email=world.sigrid.email, role=Role.FINANCE).pk

    def test_one_waiting_invitation_per_address_and_role(self, world):
        first = invite(world)
        with pytest.raises(ValidationError, match="already waiting"):
            invite(world)
        # Once it is withdrawn, or has expired, a new one can be sent.
        with scope(community=world.bergen):
            role_invitation_withdraw(invitation=first, by=world.sigrid)
        second = invite(world)
        with scope(community=world.bergen):
            RoleInvitation.objects.filter(pk=second.pk).update(expires_at=timezone.now())
        assert invite(world).pk

    def test_only_the_secretariat_invites_and_only_in_its_own_community(self, world):
        with pytest.raises(PermissionDenied):
            invite(world, by=world.kari)  # a committee member in Bergen
        with pytest.raises(PermissionDenied):
            invite(world, by=world.ola)  # Østfold's secretariat


class TestAccept:
    def test_the_person_who_logs_in_with_the_link_gets_the_role(self, world):
        invitation = invite(world, email=world.per.email, role=Role.COMMITTEE)
        with scope(community=world.bergen):
            role_invitation_accept(invitation=invitation, user=world.per)
            invitation.refresh_from_db()
        assert roles_of(world.per, world.bergen) == {Role.COMMITTEE}
        assert roles_of(world.per, world.ostfold) == set()  # in that community only
        assert invitation.accepted_by == world.per
        assert invitation.state() == RoleInvitation.State.ACCEPTED
        assert changes(world.bergen)[-1] == (
            "granted",
            "committee",
            world.per.email,
            world.per.email,
        )
        with scope(community=world.bergen):
            assert RoleChange.objects.first().invitation == invitation

    def test_a_person_logged_in_with_another_address_may_accept(self, world):
        """Any log-in Tilskot offers (an identity provider's may carry another address): the
        link is the secret, and the log shows the secretariat who accepted."""
        invitation = invite(world, email="per.jobb@kommune.no", role=Role.FINANCE)
        with scope(community=world.bergen):
            role_invitation_accept(invitation=invitation, user=world.per)
        assert has_role(world.per, world.bergen, Role.FINANCE)
        assert changes(world.bergen)[-1][2] == world.per.email

    def test_a_link_works_once(self, world):
        invitation = invite(world, email=world.per.email)
        other = UserFactory()
        with scope(community=world.bergen):
            role_invitation_accept(invitation=invitation, user=world.per)
            with pytest.raises(ValidationError, match="already accepted"):
                role_invitation_accept(invitation=invitation, user=world.per)
            with pytest.raises(ValidationError, match="already been used"):
                role_invitation_accept(invitation=invitation, user=other)
        assert not has_role(other, world.bergen, Role.FINANCE)

    def test_a_withdrawn_or_expired_link_gives_nothing(self, world):
        withdrawn = invite(world, email=world.per.email, role=Role.FINANCE)
        expired = invite(world, email=world.per.email, role=Role.COMMITTEE)
        with scope(community=world.bergen):
            role_invitation_withdraw(invitation=withdrawn, by=world.sigrid)
            RoleInvitation.objects.filter(pk=expired.pk).update(
                expires_at=timezone.now() - dt.timedelta(minutes=1)
            )
            expired.refresh_from_db()
            with pytest.raises(ValidationError, match="withdrawn"):
                role_invitation_accept(invitation=withdrawn, user=world.per)
            with pytest.raises(ValidationError, match="expired"):
                role_invitation_accept(invitation=expired, user=world.per)
        assert roles_of(world.per, world.bergen) == set()


class TestWithdraw:
    def test_withdrawn_and_logged(self, world):
        invitation = invite(world)
        with scope(community=world.bergen):
            role_invitation_withdraw(invitation=invitation, by=world.sigrid)
            invitation.refresh_from_db()
            with pytest.raises(ValidationError, match="already withdrawn"):
                role_invitation_withdraw(invitation=invitation, by=world.sigrid)
        assert invitation.withdrawn_by == world.sigrid
        assert invitation.state() == RoleInvitation.State.WITHDRAWN
        assert changes(world.bergen)[-1] == (
            "withdrawn",
            "finance",
            "ny@tilskot.test",
            "sigrid@tilskot.test",
        )
        # The invitation's own history (simple-history) has every save.
        with scope(community=world.bergen):
            assert invitation.history.count() == 2

    def test_an_accepted_invitation_is_revoked_not_withdrawn(self, world):
        invitation = invite(world, email=world.per.email)
        with scope(community=world.bergen):
            role_invitation_accept(invitation=invitation, user=world.per)
            with pytest.raises(ValidationError, match="revoke"):
                role_invitation_withdraw(invitation=invitation, by=world.sigrid)

    def test_only_the_secretariat(self, world):
        invitation = invite(world)
        with scope(community=world.bergen), pytest.raises(PermissionDenied):
            role_invitation_withdraw(invitation=invitation, by=world.kari)


class TestRevoke:
    def test_revoked_and_logged_with_who_did_it(self, world):
        assert role_revoke(
            user=world.kari, community=world.bergen, role=Role.COMMITTEE, by=world.sigrid
        )
        assert roles_of(world.kari, world.bergen) == set()
        assert changes(world.bergen)[-1] == (
            "revoked",
            "committee",
            world.kari.email,
            world.sigrid.email,
        )
        # Not held (any more): nothing to do, nothing logged.
        assert not role_revoke(
            user=world.kari, community=world.bergen, role=Role.COMMITTEE, by=world.sigrid
        )
        assert [c[0] for c in changes(world.bergen)].count("revoked") == 1

    def test_the_last_secretariat_member_keeps_the_role(self, world):
        with pytest.raises(ValidationError, match="last member"):
            role_revoke(
                user=world.sigrid, community=world.bergen, role=Role.SECRETARIAT, by=world.admin
            )
        with pytest.raises(ValidationError, match="You are the last member"):
            role_revoke(
                user=world.sigrid, community=world.bergen, role=Role.SECRETARIAT, by=world.sigrid
            )
        # An inactive account does not count as the one who remains.
        closed = UserFactory(is_active=False)
        role_grant(user=closed, community=world.bergen, role=Role.SECRETARIAT)
        with pytest.raises(ValidationError):
            role_revoke(user=world.sigrid, community=world.bergen, role=Role.SECRETARIAT)
        assert has_role(world.sigrid, world.bergen, Role.SECRETARIAT)

    def test_ones_own_secretariat_role_goes_when_another_remains(self, world):
        role_grant(user=world.per, community=world.bergen, role=Role.SECRETARIAT)
        assert role_revoke(
            user=world.sigrid, community=world.bergen, role=Role.SECRETARIAT, by=world.sigrid
        )
        assert not has_role(world.sigrid, world.bergen, Role.SECRETARIAT)
        # ... and now per is the last.
        with pytest.raises(ValidationError):
            role_revoke(user=world.per, community=world.bergen, role=Role.SECRETARIAT)

    def test_only_the_secretariat_of_that_community(self, world):
        with pytest.raises(PermissionDenied):
            role_revoke(user=world.kari, community=world.bergen, role=Role.COMMITTEE, by=world.ola)
        assert has_role(world.kari, world.bergen, Role.COMMITTEE)


def test_every_staff_role_given_is_logged_once_the_applicant_role_never(world):
    before = len(changes(world.bergen))
    role_grant(user=world.per, community=world.bergen, role=Role.FINANCE, by=world.sigrid)
    role_grant(user=world.per, community=world.bergen, role=Role.FINANCE, by=world.sigrid)
    role_grant(user=world.per, community=world.bergen, role=Role.APPLICANT)
    assert changes(world.bergen)[before:] == [
        ("granted", "finance", world.per.email, world.sigrid.email)
    ]


# --- the people page --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("sigrid", 200), ("admin", 200), ("kari", 403), ("per", 403), ("ola", 403)],
)
def test_the_people_page_is_the_secretariats(client, world, who, status):
    client.force_login(getattr(world, who))
    response = client.get(PEOPLE)
    assert response.status_code == status
    if status == 200:
        assert "no-store" in response["Cache-Control"]


def test_the_anonymous_are_sent_to_log_in(client, world):
    response = client.get(PEOPLE)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={PEOPLE}"


def test_the_page_shows_who_holds_which_role_since_when(client, world):
    client.force_login(world.sigrid)
    page = client.get(PEOPLE)
    holders = {h.user.email: [r.role for r in h.roles] for h in page.context["holders"]}
    assert holders == {world.sigrid.email: [Role.SECRETARIAT], world.kari.email: [Role.COMMITTEE]}
    sigrid = next(h for h in page.context["holders"] if h.user == world.sigrid)
    assert sigrid.roles[0].since is not None  # the world's role_grant is logged
    # Nobody of Østfold, and no applicant role (kari is an applicant there, ola its secretariat).
    assert world.ola.email not in page.text
    assert 'data-role="applicant"' not in page.text
    # The committee's appointment is elsewhere, and the page says so.
    assert 'class="committee-note"' in page.text


def test_links_to_the_people_page_for_the_secretariat_only(client, world):
    client.force_login(world.sigrid)
    # The secretariat's page leads there (the service menu keeps to the main pages).
    assert f'href="{PEOPLE}"' in client.get("/bergen/sekretariat/").text
    client.force_login(world.kari)
    assert f'href="{PEOPLE}"' not in client.get("/bergen/").text


def test_inviting_on_the_page(client, world, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(world.sigrid)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            PEOPLE, {"action": "invite", "email": "Ny@Tilskot.test", "role": "decision_body"}
        )
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    assert [m.to for m in mailoutbox] == [["ny@tilskot.test"]]
    page = client.get(PEOPLE)
    assert [(i.email, i.role) for i in page.context["invitations"]] == [
        ("ny@tilskot.test", "decision_body")
    ]
    assert "invited" in [c.action for c in page.context["changes"]]


@pytest.mark.parametrize(
    "data",
    [
        {"email": "nope", "role": "finance"},
        {"email": "", "role": "finance"},
        {"email": "før\x00etter@tilskot.test", "role": "finance"},
        {"email": "Å" * 300 + "@tilskot.test", "role": "finance"},
        {"email": "ny@tilskot.test", "role": "applicant"},
        {"email": "ny@tilskot.test", "role": "99999999999999999999"},
        {"email": "ny@tilskot.test"},
        {"email": "sigrid@tilskot.test", "role": "secretariat"},  # holds it already
    ],
)
def test_bad_input_is_answered_on_the_page(client, world, data):
    client.force_login(world.sigrid)
    response = client.post(PEOPLE, {"action": "invite", **data})
    assert response.status_code == 200
    form = response.context["invite_form"]
    assert form.errors
    assert 'id="error-summary"' in response.text
    # What was typed is kept in the form.
    assert form["email"].value() == data["email"]
    with scope(community=world.bergen):
        assert not RoleInvitation.objects.exists()


def test_an_unknown_action_is_a_message(client, world):
    client.force_login(world.sigrid)
    response = client.post(PEOPLE, {"action": "delete-everything"}, follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_withdrawing_on_the_page(client, world):
    invitation = invite(world)
    client.force_login(world.sigrid)
    response = client.post(PEOPLE, {"action": "withdraw", "invitation": invitation.pk})
    assert response.status_code == 302
    with scope(community=world.bergen):
        invitation.refresh_from_db()
    assert invitation.state() == RoleInvitation.State.WITHDRAWN
    assert list(client.get(PEOPLE).context["invitations"]) == []
    # Twice: a message, not an error page.
    response = client.post(PEOPLE, {"action": "withdraw", "invitation": invitation.pk}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999", "-1"])
def test_withdrawing_nothing_is_a_message(client, world, value):
    client.force_login(world.sigrid)
    response = client.post(PEOPLE, {"action": "withdraw", "invitation": value}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]


def test_another_communitys_invitation_cannot_be_withdrawn_from_here(client, world):
    with scope(community=world.ostfold):
        foreign = role_invite(
            community=world.ostfold, role=Role.FINANCE, email="x@tilskot.test", by=world.ola
        )
    client.force_login(world.sigrid)
    response = client.post(PEOPLE, {"action": "withdraw", "invitation": foreign.pk}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    with scopes_disabled():
        foreign.refresh_from_db()
    assert foreign.state() == RoleInvitation.State.PENDING


def test_revoking_asks_first_then_revokes(client, world):
    client.force_login(world.sigrid)
    data = {"action": "revoke", "user": world.kari.pk, "role": "committee"}
    response = client.post(PEOPLE, data)
    assert response.status_code == 200
    assert response.context["confirm_revoke"] == {"person": world.kari, "role": Role.COMMITTEE}
    assert 'id="confirm-revoke"' in response.text
    assert has_role(world.kari, world.bergen, Role.COMMITTEE)  # not yet
    response = client.post(PEOPLE, {**data, "confirm": "yes"})
    assert response.status_code == 302
    assert response["Location"] == PEOPLE
    forget_roles(world.kari)
    assert not has_role(world.kari, world.bergen, Role.COMMITTEE)
    assert changes(world.bergen)[-1] == (
        "revoked",
        "committee",
        world.kari.email,
        world.sigrid.email,
    )


def test_the_last_secretariat_member_is_refused_on_the_page(client, world):
    client.force_login(world.sigrid)
    response = client.post(
        PEOPLE,
        {"action": "revoke", "user": world.sigrid.pk, "role": "secretariat", "confirm": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert has_role(world.sigrid, world.bergen, Role.SECRETARIAT)


def test_giving_up_ones_own_secretariat_role_leads_to_the_to_do_page(client, world):
    role_grant(user=world.per, community=world.bergen, role=Role.SECRETARIAT)
    client.force_login(world.sigrid)
    response = client.post(
        PEOPLE,
        {"action": "revoke", "user": world.sigrid.pk, "role": "secretariat", "confirm": "yes"},
    )
    assert response["Location"] == "/bergen/oppgaver/"
    assert client.get(PEOPLE).status_code == 403


@pytest.mark.parametrize(
    "data",
    [
        {"user": "ola", "role": "secretariat"},  # Østfold's secretariat, not Bergen's
        {"user": "kari", "role": "applicant"},  # not a role of this page
        {"user": "kari", "role": "finance"},  # not held
        {"user": "99999999999999999999", "role": "committee"},
        {"user": "", "role": "committee"},
    ],
)
def test_revoking_what_is_not_held_here_is_a_message(client, world, data):
    user = getattr(world, data["user"], None)
    client.force_login(world.sigrid)
    response = client.post(
        PEOPLE,
        {"action": "revoke", "confirm": "yes", **data, "user": user.pk if user else data["user"]},
        follow=True,
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert has_role(world.ola, world.ostfold, Role.SECRETARIAT)
    assert has_role(world.kari, world.bergen, Role.COMMITTEE)


def test_csrf_is_enforced(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.sigrid)
    response = client.post(
        PEOPLE, {"action": "invite", "email": "ny@tilskot.test", "role": "finance"}
    )
    assert response.status_code == 403
    response = client.post(
        PEOPLE,
        {"action": "revoke", "user": world.kari.pk, "role": "committee", "confirm": "yes"},
    )
    assert response.status_code == 403
    with scope(community=world.bergen):
        assert not RoleInvitation.objects.exists()
    assert has_role(world.kari, world.bergen, Role.COMMITTEE)


def test_the_page_reads_with_a_fixed_number_of_queries(client, world):
    client.force_login(world.sigrid)

    def grow(n):
        for _ in range(n):
            person = UserFactory()
            role_grant(user=person, community=world.bergen, role=Role.FINANCE, by=world.sigrid)
            role_grant(user=person, community=world.bergen, role=Role.COMMITTEE, by=world.sigrid)
            invite(world, email=f"ny.{person.pk}@tilskot.test")

    client.get(PEOPLE)  # the session's first request writes to it; the others do not
    assert_queries_do_not_grow(lambda: client.get(PEOPLE), grow)


# --- the invitation's page --------------------------------------------------------------------


def test_logged_out_the_link_leads_to_log_in_and_back(client, world):
    path = invitation_path(invite(world))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{resolve_url(settings.LOGIN_URL)}?next={path}"


def test_the_invited_person_accepts_on_the_page(client, world):
    invitation = invite(world, email=world.per.email, role=Role.COMMITTEE)
    client.force_login(world.per)
    page = client.get(invitation_path(invitation))
    assert page.status_code == 200
    assert page.context["state"] == RoleInvitation.State.PENDING
    for shown in (world.sigrid.email, world.per.email, world.bergen.name):
        assert shown in page.text
    assert 'id="accept-role"' in page.text
    assert "other-address" not in page.text  # no warning that another account is logged in
    response = client.post(invitation_path(invitation))
    assert response.status_code == 302
    assert response["Location"] == "/bergen/oppgaver/"
    assert has_role(world.per, world.bergen, Role.COMMITTEE)
    # Again: the page says it is done, no second grant.
    again = client.post(invitation_path(invitation))
    assert again.status_code == 200
    assert again.context["error"]
    assert again.context["state"] == RoleInvitation.State.ACCEPTED
    assert [c[0] for c in changes(world.bergen)].count("granted") == 3  # sigrid, kari, per


def test_another_address_is_warned_before_accepting(client, world):
    invitation = invite(world, email="per.jobb@kommune.no")
    client.force_login(world.per)
    page = client.get(invitation_path(invitation))
    assert "other-address" in page.text
    assert "per.jobb@kommune.no" in page.text


def test_a_used_link_tells_someone_else_so(client, world):
    invitation = invite(world, email=world.per.email)
    with scope(community=world.bergen):
        role_invitation_accept(invitation=invitation, user=world.per)
    other = UserFactory()
    client.force_login(other)
    page = client.get(invitation_path(invitation))
    assert page.status_code == 200
    assert 'id="accept-role"' not in page.text
    response = client.post(invitation_path(invitation))
    assert response.status_code == 200
    assert response.context["error"]
    assert not has_role(other, world.bergen, Role.FINANCE)


def test_a_withdrawn_link_says_so(client, world):
    invitation = invite(world, email=world.per.email)
    with scope(community=world.bergen):
        role_invitation_withdraw(invitation=invitation, by=world.sigrid)
    client.force_login(world.per)
    page = client.get(invitation_path(invitation))
    assert page.context["state"] == RoleInvitation.State.WITHDRAWN
    assert 'id="accept-role"' not in page.text
    assert client.post(invitation_path(invitation)).status_code == 200
    assert not has_role(world.per, world.bergen, Role.FINANCE)


def test_an_unknown_or_foreign_link_is_a_404_that_says_so(client, world):
    with scope(community=world.ostfold):
        foreign = role_invite(
            community=world.ostfold, role=Role.FINANCE, email=world.per.email, by=world.ola
        )
    client.force_login(world.per)
    for path in (
        "/bergen/personer/invitasjon/00000000-0000-0000-0000-000000000000/",
        invitation_path(foreign),  # Østfold's token under Bergen's address
    ):
        for response in (client.get(path), client.post(path)):
            assert response.status_code == 404
            assert 'class="invitation-unknown"' in response.text
    assert not has_role(world.per, world.bergen, Role.FINANCE)
    assert not has_role(world.per, world.ostfold, Role.FINANCE)
    # A token that is no UUID is no page at all.
    assert client.get("/bergen/personer/invitasjon/abc/").status_code == 404
