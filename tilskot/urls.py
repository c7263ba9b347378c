from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import people_views, views

admin.site.site_header = _("Tilskot administration")
admin.site.site_title = _("Tilskot")

community_patterns = [
    path("", views.CommunityView.as_view(), name="community"),
    path("runde/<int:round>/", views.RoundView.as_view(), name="round"),
    path("logo", views.community_logo, name="community_logo"),
    path("sekretariat/", views.SecretariatView.as_view(), name="secretariat"),
    path("personer/", people_views.PeopleView.as_view(), name="people"),
    path(
        "personer/invitasjon/<uuid:role_token>/",
        people_views.RoleInvitationView.as_view(),
        name="role_invitation",
    ),
    path("varsler/", views.NotificationsView.as_view(), name="notifications"),
    path("oppgaver/", views.TodoView.as_view(), name="todo"),
    path("", include("soknad.urls")),
    path("", include("komite.urls")),
    path("", include("utbetaling.urls")),
    path("", include("rapport.urls")),
    path("", include("soknad.urls_profile")),
]

urlpatterns = [
    path("", views.StartView.as_view(), name="start"),
    path("oppgaver/", views.TodoStartView.as_view(), name="todo_start"),
    path("tilgjengelighet/", views.AccessibilityStatementView.as_view(), name="accessibility"),
    path("konto/", include("tilskot.urls_accounts")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.health, name="health"),
    path("admin/", admin.site.urls),
    # Every tenant page lives under the community's address; the middleware resolves it.
    path("<slug:community>/", include(community_patterns)),
]
