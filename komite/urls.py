"""The committee's pages, under /<community>/ (see tilskot/urls.py)."""

from django.urls import path

from . import decision_views, public_views, views

app_name = "komite"

urlpatterns = [
    path("sekretariat/runde/<int:round>/komite/", views.committee, name="committee"),
    path("sekretariat/runde/<int:round>/innstilling/", views.recommendation, name="recommendation"),
    path(
        "sekretariat/runde/<int:round>/innstilling.pdf",
        views.recommendation_pdf,
        name="recommendation_pdf",
    ),
    path("vedtak/", decision_views.overview, name="decisions"),
    path("vedtak/runde/<int:round>/<int:stage>/", decision_views.decision, name="decision"),
    path("sekretariat/runde/<int:round>/vedtaksbrev/", decision_views.letters_page, name="letters"),
    path(
        "sekretariat/runde/<int:round>/vedtaksbrev/send/",
        decision_views.letters_issue,
        name="letters_issue",
    ),
    path(
        "sekretariat/runde/<int:round>/vedtaksbrev/<int:batch>.zip",
        decision_views.letters_zip,
        name="letters_zip",
    ),
    path("soknad/<int:application>/vedtaksbrev.pdf", decision_views.letter, name="letter"),
    path(
        "regler/vedtaksbrev/",
        decision_views.LetterPreviewView.as_view(),
        name="letter_preview",
    ),
    path(
        "regler/vedtaksbrev/<slug:kind>.pdf",
        decision_views.letter_preview_pdf,
        name="letter_preview_pdf",
    ),
    path("tildelt/", public_views.granted, name="granted"),
    path("tildelt.csv", public_views.granted_csv, name="granted_csv"),
    path("tildelt.json", public_views.granted_json, name="granted_json"),
    path("komite/", views.mine, name="mine"),
    path("komite/runde/<int:round>/", views.review, name="review"),
    path("komite/runde/<int:round>/oversikt/", views.dashboard, name="dashboard"),
    path("komite/soknad/<int:application>/habilitet/", views.declare, name="declare"),
    path("komite/soknad/<int:application>/", views.application, name="application"),
]
