"""The committee's pages, under /<community>/ (see tilskot/urls.py)."""

from django.urls import path

from . import views

app_name = "komite"

urlpatterns = [
    path("sekretariat/runde/<int:round>/komite/", views.committee, name="committee"),
    path("sekretariat/runde/<int:round>/innstilling/", views.recommendation, name="recommendation"),
    path(
        "sekretariat/runde/<int:round>/innstilling.pdf",
        views.recommendation_pdf,
        name="recommendation_pdf",
    ),
    path("komite/", views.mine, name="mine"),
    path("komite/runde/<int:round>/", views.review, name="review"),
    path("komite/runde/<int:round>/oversikt/", views.dashboard, name="dashboard"),
    path("komite/soknad/<int:application>/habilitet/", views.declare, name="declare"),
    path("komite/soknad/<int:application>/", views.application, name="application"),
]
