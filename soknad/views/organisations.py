"""Who works for a member organisation, confirmed by its admins or the secretariat.

``/<community>/organisasjon/<id>/``: the organisation's people, each with buttons to confirm
them as writer or signer, change that, make them admin or not, or remove them (each a POST with
``action`` and ``affiliation``). Another community's organisation is a 404 (the tenant scope);
someone who is neither an admin of this organisation nor the secretariat gets a 403.
``/<community>/sekretariat/organisasjonar/``: the secretariat's list of the community's
organisations, those with people waiting first.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tilskot.models import Organisation
from tilskot.roles import Role, has_role
from tilskot.views import CommunityPageView, CommunityRoleRequiredMixin

from .. import representation, rules
from ..models import Affiliation

Capacity = Affiliation.Capacity


class OrganisationListView(CommunityRoleRequiredMixin, CommunityPageView):
    required_role = Role.SECRETARIAT
    template_name = "soknad/organisations.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            organisations=representation.organisations_overview(), **kwargs
        )


class OrganisationPeopleView(LoginRequiredMixin, CommunityPageView):
    template_name = "soknad/organisation_people.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.organisation = Organisation.objects.filter(pk=kwargs["organisation"]).first()
        if self.organisation is None:
            raise Http404
        if not rules.can_manage_people(request.user, self.organisation):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        user = self.request.user
        return super().get_context_data(
            organisation=self.organisation,
            people=representation.organisation_people(organisation=self.organisation),
            as_secretariat=has_role(user, self.request.community, Role.SECRETARIAT),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        pk = request.POST.get("affiliation", "")
        action = request.POST.get("action", "")
        if not (pk.isascii() and pk.isdigit()) or action not in ACTIONS:
            return HttpResponseBadRequest()
        affiliation = (
            Affiliation.objects.filter(organisation=self.organisation, pk=pk)
            .select_related("user")
            .first()
        )
        if affiliation is None:  # another organisation's person, or gone meanwhile
            raise Http404
        name = rules.person_name(affiliation.user)
        try:
            message = ACTIONS[action](affiliation, request.user) % {
                "name": name,
                "organisation": self.organisation,
            }
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, message)
        if not rules.can_manage_people(request.user, self.organisation):  # stepped down
            return redirect("profile", community=request.community.slug)
        return redirect(
            "organisation_people",
            community=request.community.slug,
            organisation=self.organisation.pk,
        )


def _confirm(capacity: str):
    def act(affiliation: Affiliation, by) -> str:
        if affiliation.is_confirmed:
            representation.affiliation_capacity_set(
                affiliation=affiliation, by=by, capacity=capacity
            )
        else:
            representation.affiliation_confirm(
                affiliation=affiliation,
                by=by,
                capacity=capacity,
                via=representation.via_of(by, affiliation.organisation),
            )
        if capacity == Capacity.SIGNER:
            return _("%(name)s is confirmed as signer for %(organisation)s.")
        return _("%(name)s is confirmed as writer for %(organisation)s.")

    return act


def _admin(is_admin: bool):
    def act(affiliation: Affiliation, by) -> str:
        representation.affiliation_admin_set(affiliation=affiliation, by=by, is_admin=is_admin)
        if is_admin:
            return _("%(name)s is now an admin of %(organisation)s.")
        return _("%(name)s is no longer an admin of %(organisation)s.")

    return act


def _remove(affiliation: Affiliation, by) -> str:
    representation.affiliation_dismiss(affiliation=affiliation, by=by)
    return _("%(name)s is removed from the people of %(organisation)s.")


# The buttons of the page (the POSTed ``action``) and what each does.
ACTIONS = {
    "writer": _confirm(Capacity.WRITER),
    "signer": _confirm(Capacity.SIGNER),
    "admin": _admin(True),
    "not_admin": _admin(False),
    "remove": _remove,
}
