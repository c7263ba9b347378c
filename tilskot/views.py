"""Public pages of Tilskot and of each community, and the secretariat's overview."""

import mimetypes

from allauth.account.utils import get_next_redirect_url
from allauth.account.views import LogoutView as AllauthLogoutView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from django_scopes import scope

from . import accessibility, identity
from .models import CommitteeSeat, Community, Notification, NotificationPreference, Organisation
from .models.notifications import OPTIONAL_KINDS
from .roles import Role, has_role, roles_of
from .selectors import SchemeOverview, communities_list, community_overview, round_get
from .services import notification_preferences_set
from .todo import todos


class CommunityRoleRequiredMixin(AccessMixin):
    """The one place a view states which role it needs in the active community.

    Logged out: to the log-in page. Logged in without the role: 403 (the community itself is
    public, so this reveals nothing). Objects of another community never get this far: the
    tenant scope makes them a 404.
    """

    required_role: Role

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, request.community, self.required_role):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CommunityPageView(TemplateView):
    """A page under /<community>/. URL arguments stay in ``self.kwargs`` and do not leak into
    the template context, where ``community`` is the community itself, not its slug."""

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(community=request.community))


class StartView(TemplateView):
    """The communities; someone logged in with no role anywhere yet (just registered) is told
    the next step: their profile in their community, to add the organisation they work for."""

    template_name = "tilskot/start.html"

    def get_context_data(self, **kwargs):
        user = self.request.user
        newcomer = (
            user.is_authenticated
            and not user.is_superuser
            and not Community.objects.filter(role_groups__group__user=user).exists()
        )
        return super().get_context_data(communities=communities_list(), newcomer=newcomer, **kwargs)


class AccessibilityStatementView(TemplateView):
    """The accessibility statement, in the structure Uutilsynet asks for."""

    template_name = "tilskot/accessibility.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(statement=accessibility.statement(), **kwargs)


class CommunityView(CommunityPageView):
    template_name = "tilskot/community.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            schemes=community_overview(),
            committee_seats=CommitteeSeat.objects.all(),
            hospital_trust=Organisation.objects.filter(
                kind=Organisation.Kind.HOSPITAL_TRUST
            ).first(),
            **kwargs,
        )


class RoundView(CommunityPageView):
    template_name = "tilskot/round.html"

    def get_context_data(self, **kwargs):
        round_ = round_get(pk=self.kwargs["round"])
        if round_ is None:
            raise Http404
        overview = SchemeOverview(scheme=round_.scheme)
        return super().get_context_data(
            round=round_,
            scheme=round_.scheme,
            scored_criteria=overview.scored_criteria,
            check_criteria=overview.check_criteria,
            **kwargs,
        )


class SecretariatView(CommunityRoleRequiredMixin, CommunityPageView):
    required_role = Role.SECRETARIAT
    template_name = "tilskot/secretariat.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            schemes=community_overview(),
            organisation_count=Organisation.objects.count(),
            failed_notifications=Notification.objects.filter(
                status=Notification.Status.FAILED
            ).order_by("next_attempt_at")[:50],
            **kwargs,
        )


class NotificationsView(LoginRequiredMixin, CommunityPageView):
    """What Tilskot has sent this person in this community, and the optional kinds of their
    roles here that they can turn off (legal notices such as a decision are always sent)."""

    template_name = "tilskot/notifications.html"

    def offered(self) -> list[str]:
        """The optional kinds for the person's roles in this community; an applicant (anyone
        logged in may apply) is offered the draft reminder."""
        roles = roles_of(self.request.user, self.request.community) | {Role.APPLICANT}
        return sorted(kind for kind, role in OPTIONAL_KINDS.items() if role in roles)

    def get_context_data(self, **kwargs):
        user = self.request.user
        disabled = set(
            NotificationPreference.objects.filter(user=user, enabled=False).values_list(
                "kind", flat=True
            )
        )
        return super().get_context_data(
            notifications=Notification.objects.filter(recipient=user)[:100],
            optional_kinds=[
                (kind, Notification.Kind(kind).label, kind not in disabled)
                for kind in self.offered()
            ],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        chosen = set(request.POST.getlist("enabled"))
        # Only the kinds offered on the page: a choice made in another community stays.
        notification_preferences_set(
            user=request.user, enabled={kind: kind in chosen for kind in self.offered()}
        )
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications", community=request.community.slug)


class TodoView(LoginRequiredMixin, CommunityPageView):
    """What waits for this person in this community, across their roles, oldest first."""

    template_name = "tilskot/todo.html"

    def get_context_data(self, **kwargs):
        now = timezone.now()
        found = todos(user=self.request.user, community=self.request.community, now=now)
        return super().get_context_data(
            todos=[(todo, todo.overdue(now)) for todo in found], **kwargs
        )


class TodoStartView(LoginRequiredMixin, TemplateView):
    """The first page after log-in: the to-do page of the person's community, or, for someone
    with roles in several, how much waits in each."""

    template_name = "tilskot/todo_start.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        communities = (
            Community.objects.order_by("name")
            if user.is_superuser
            else Community.objects.filter(role_groups__group__user=user).distinct().order_by("name")
        )
        communities = list(communities)
        if len(communities) == 1:
            return redirect("todo", community=communities[0].slug)
        waiting = []
        for community in communities or Community.objects.order_by("name"):
            # Without a role anywhere, someone may still have work: an invitation to be
            # co-applicant. The communities are few; each asks a handful of queries then.
            with scope(community=community):
                found = todos(user=user, community=community)
            if communities or found:
                waiting.append((community, found))
        if not waiting:
            return redirect("start")
        if len(waiting) == 1:
            return redirect("todo", community=waiting[0][0].slug)
        return self.render_to_response(self.get_context_data(waiting=waiting))


def community_logo(request, community):
    """The community's logo for the service header: public, like the community's name, and
    read through the storage API (local disk or object storage)."""
    active = request.community
    if not active.logo:
        raise Http404
    try:
        file = active.logo.storage.open(active.logo.name, "rb")
    except OSError as error:
        raise Http404 from error
    kind = mimetypes.guess_type(active.logo.name)[0] or "application/octet-stream"
    response = FileResponse(file, content_type=kind)
    patch_cache_control(response, public=True, max_age=3600)
    return response


def health(request):
    """Liveness and database check for load balancers and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class StrongLoginView(LoginRequiredMixin, TemplateView):
    """Where a staff member without a strong log-in is sent: how to set up a second factor, or
    log in through ID-porten or Ansattporten instead. Already strong: on to ``next``."""

    template_name = "account/strong_login.html"

    def get(self, request, *args, **kwargs):
        next_path = get_next_redirect_url(request)
        if identity.strong_login(request):
            return redirect(next_path or settings.LOGIN_REDIRECT_URL)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            next=get_next_redirect_url(self.request) or "",
            enrolled=self.request.user.authenticator_set.exclude(type="recovery_codes").exists(),
            **kwargs,
        )


class LogoutView(AllauthLogoutView):
    """Logs out here, then, after a log-in through ID-porten or Ansattporten, at the provider too
    (its end-session endpoint, which sends the person back to the start page)."""

    def post(self, *args, **kwargs):
        ended = self.request.session.get(identity.SESSION_LOGOUT)
        response = super().post(*args, **kwargs)
        if not ended:
            return response
        end_session = identity.provider_end_session_url(self.request, **ended)
        return HttpResponseRedirect(end_session) if end_session else response
