"""Public pages of Tilskot and of each community, and the secretariat's overview."""

from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin, LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from .models import CommitteeSeat, Notification, NotificationPreference, Organisation
from .models.notifications import OPTIONAL_KINDS
from .roles import Role, has_role
from .selectors import SchemeOverview, communities_list, community_overview, round_get
from .services import notification_preferences_set


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
    template_name = "tilskot/start.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(communities=communities_list(), **kwargs)


class AccessibilityStatementView(TemplateView):
    template_name = "tilskot/accessibility.html"


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
    """What Tilskot has sent this person in this community, and the optional kinds they can
    turn off (legal notices such as a decision are always sent)."""

    template_name = "tilskot/notifications.html"

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
                for kind in sorted(OPTIONAL_KINDS)
            ],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        chosen = set(request.POST.getlist("enabled"))
        notification_preferences_set(
            user=request.user, enabled={kind: kind in chosen for kind in OPTIONAL_KINDS}
        )
        messages.success(request, _("Your choices are saved."))
        return redirect("notifications", community=request.community.slug)


def health(request):
    """Liveness and database check for load balancers and docker-compose."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
