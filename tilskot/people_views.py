"""The community's own people, run by its secretariat: who holds which role, the invitations
waiting, the log of every change (``/<community>/personer/``); and the page where an invited
person accepts (``/<community>/personer/invitasjon/<token>/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from .forms import RoleInviteForm, error_list
from .models import RoleInvitation, User
from .models.people import INVITATION_VALID
from .roles import STAFF_ROLES, Role
from .selectors import role_changes_recent, role_holders_table, role_invitations_open
from .services import role_invitation_accept, role_invitation_withdraw, role_invite, role_revoke
from .views import CommunityPageView, CommunityRoleRequiredMixin


def _pk(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 19 else None


class PeopleView(CommunityRoleRequiredMixin, CommunityPageView):
    """Who holds which of the community's roles, the invitations waiting, the log; invite,
    withdraw an invitation, revoke a role (after a confirmation: there is no undo)."""

    required_role = Role.SECRETARIAT
    template_name = "tilskot/people.html"

    def get_context_data(self, **kwargs):
        if "invite_form" not in kwargs:
            # ?role=secretariat: the operator's onboarding invites the first secretariat person
            role = self.request.GET.get("role", "")
            kwargs["invite_form"] = RoleInviteForm(
                initial={"role": role} if role in STAFF_ROLES else None
            )
        return super().get_context_data(
            holders=role_holders_table(community=self.request.community),
            invitations=role_invitations_open(),
            changes=role_changes_recent(),
            error_list=error_list(kwargs["invite_form"]),
            valid_days=INVITATION_VALID.days,
            **kwargs,
        )

    def page(self, **context):
        return self.render_to_response(
            self.get_context_data(community=self.request.community, **context)
        )

    def done(self, message: str):
        messages.success(self.request, message)
        return redirect("people", community=self.request.community.slug)

    def refused(self, message: str):
        messages.error(self.request, message)
        return redirect("people", community=self.request.community.slug)

    def post(self, request, *args, **kwargs):
        action = {"invite": self.invite, "withdraw": self.withdraw, "revoke": self.revoke}.get(
            request.POST.get("action", "")
        )
        if action is None:
            return self.refused(_("Choose what to do with one of the buttons on the page."))
        return action(request)

    def invite(self, request):
        form = RoleInviteForm(request.POST)
        if form.is_valid():
            try:
                invitation = role_invite(
                    community=request.community,
                    role=form.cleaned_data["role"],
                    email=form.cleaned_data["email"],
                    by=request.user,
                )
            except ValidationError as error:
                form.add_error("email", error)
            else:
                return self.done(
                    _("The invitation to the role %(role)s is sent to %(email)s.")
                    % {"role": invitation.get_role_display(), "email": invitation.email}
                )
        return self.page(invite_form=form)

    def withdraw(self, request):
        pk = _pk(request.POST.get("invitation", ""))
        invitation = RoleInvitation.objects.filter(pk=pk).first() if pk else None
        if invitation is None:
            return self.refused(_("That invitation is not among this community's."))
        try:
            role_invitation_withdraw(invitation=invitation, by=request.user)
        except ValidationError as error:
            return self.refused(" ".join(error.messages))
        return self.done(
            _("The invitation to %(email)s is withdrawn: its link no longer works.")
            % {"email": invitation.email}
        )

    def revoke(self, request):
        community = request.community
        pk = _pk(request.POST.get("user", ""))
        role = request.POST.get("role", "")
        person = (
            User.objects.filter(
                pk=pk,
                groups__community_role__community=community,
                groups__community_role__role=role,
            ).first()
            if pk and role in STAFF_ROLES
            else None
        )
        if person is None:
            return self.refused(_("That person does not hold that role here (any more)."))
        role = Role(role)
        if request.POST.get("confirm") != "yes":
            return self.page(confirm_revoke={"person": person, "role": role})
        try:
            role_revoke(user=person, community=community, role=role, by=request.user)
        except ValidationError as error:
            return self.refused(" ".join(error.messages))
        messages.success(
            request,
            _("%(person)s no longer holds the role %(role)s.")
            % {"person": person, "role": role.label},
        )
        if person.pk == request.user.pk and role == Role.SECRETARIAT:
            return redirect("todo", community=community.slug)  # this page is no longer theirs
        return redirect("people", community=community.slug)


class RoleInvitationView(CommunityPageView):
    """An invitation to a role, for whoever holds its link: logged out, to the log-in (any
    method) and back here; logged in, what it offers, from whom, to which address, and the
    button that accepts it. A link used, withdrawn or expired says so; one unknown in this
    community is a 404 that says so too."""

    template_name = "tilskot/role_invitation.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.invitation = (
            RoleInvitation.objects.select_related("invited_by", "accepted_by")
            .filter(token=kwargs["role_token"])
            .first()
        )
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        invitation = self.invitation
        return super().get_context_data(
            invitation=invitation,
            state=invitation.state() if invitation else None,
            States=RoleInvitation.State,
            other_address=invitation is not None
            and invitation.email != self.request.user.email.lower(),
            **kwargs,
        )

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        if self.invitation is None:
            response.status_code = 404
        return response

    def post(self, request, *args, **kwargs):
        if self.invitation is None:
            return self.get(request, *args, **kwargs)
        try:
            invitation = role_invitation_accept(invitation=self.invitation, user=request.user)
        except ValidationError as error:
            self.invitation.refresh_from_db()
            return self.render_to_response(
                self.get_context_data(community=request.community, error=error.messages[0])
            )
        messages.success(
            request,
            _("You now hold the role %(role)s in %(community)s.")
            % {"role": invitation.get_role_display(), "community": request.community.name},
        )
        return redirect("todo", community=request.community.slug)
