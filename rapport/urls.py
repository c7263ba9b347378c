"""The final report and the status report, under /<community>/ (see tilskot/urls.py)."""

from django.urls import path

from . import views

app_name = "rapport"

urlpatterns = [
    path("tilskot/<int:grant>/sluttrapport/", views.report, name="report"),
    path("tilskot/<int:grant>/sluttrapport/vedtak/", views.decide, name="decide"),
    path("tilskot/<int:grant>/sluttrapport/revisor/", views.auditor_file, name="auditor_file"),
    path("sekretariat/statusrapport/", views.status, name="status"),
    path(
        "sekretariat/statusrapport/<int:year>.<str:format>",
        views.status_export,
        name="status_export",
    ),
]
