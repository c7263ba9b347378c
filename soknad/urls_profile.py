"""The person's profile inside each community (/<community>/profil/) and the pages where an
organisation's admins and the secretariat confirm who works for it, without a namespace
(``profile``, ``organisation_people``, ``organisation_list``), included in ``tilskot/urls.py``
by name so the core imports no stage."""

from django.urls import path

from . import profile
from .views import organisations

urlpatterns = [
    path("profil/", profile.ProfileView.as_view(), name="profile"),
    path(
        "organisasjon/<int:organisation>/",
        organisations.OrganisationPeopleView.as_view(),
        name="organisation_people",
    ),
    path(
        "sekretariat/organisasjonar/",
        organisations.OrganisationListView.as_view(),
        name="organisation_list",
    ),
]
