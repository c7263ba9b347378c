from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from . import operator_views, people_views, rules_views, views

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
    path("regler/", rules_views.RulesIndexView.as_view(), name="rules"),
    path("regler/fellesskap/", rules_views.CommunityRulesView.as_view(), name="rules_community"),
    path("regler/brev/", rules_views.LettersRulesView.as_view(), name="rules_letters"),
    path("regler/medlemmer/", rules_views.OrganisationsView.as_view(), name="rules_organisations"),
    path(
        "regler/medlemmer/ny/",
        rules_views.OrganisationView.as_view(),
        name="rules_organisation_add",
    ),
    path(
        "regler/medlemmer/<int:organisation>/",
        rules_views.OrganisationView.as_view(),
        name="rules_organisation",
    ),
    path(
        "regler/medlemmer/import/",
        operator_views.OrganisationsImportView.as_view(),
        name="rules_organisations_import",
    ),
    path("regler/komite/", rules_views.CommitteeView.as_view(), name="rules_committee"),
    path("regler/historikk/", rules_views.HistoryView.as_view(), name="rules_history"),
    path("regler/ordning/ny/", rules_views.SchemeAddView.as_view(), name="rules_scheme_add"),
    path(
        "regler/ordning/<int:scheme>/", rules_views.SchemeRulesView.as_view(), name="rules_scheme"
    ),
    path(
        "regler/ordning/<int:scheme>/kriterium/",
        rules_views.CriteriaView.as_view(),
        name="rules_criteria",
    ),
    path(
        "regler/ordning/<int:scheme>/prioritering/",
        rules_views.PriorityAreasView.as_view(),
        name="rules_priorities",
    ),
    path(
        "regler/ordning/<int:scheme>/sporsmal/",
        rules_views.QuestionsView.as_view(),
        name="rules_questions",
    ),
    path(
        "regler/ordning/<int:scheme>/sluttrapport/",
        rules_views.ReportQuestionsView.as_view(),
        name="rules_report_questions",
    ),
    path(
        "regler/ordning/<int:scheme>/midlar/",
        rules_views.FundingsView.as_view(),
        name="rules_fundings",
    ),
    path(
        "regler/ordning/<int:scheme>/runde/", rules_views.RoundsView.as_view(), name="rules_rounds"
    ),
    path(
        "regler/ordning/<int:scheme>/runde/ny/",
        rules_views.RoundRulesView.as_view(),
        name="rules_round_add",
    ),
    path("regler/runde/<int:round>/", rules_views.RoundRulesView.as_view(), name="rules_round"),
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
    # The platform operator's pages (superusers): new communities, outside every community.
    path("drift/", operator_views.OperatorView.as_view(), name="operator"),
    path("drift/ny/", operator_views.CommunityCreateView.as_view(), name="operator_community_new"),
    # Every tenant page lives under the community's address; the middleware resolves it.
    path("<slug:community>/", include(community_patterns)),
]
