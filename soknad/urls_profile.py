"""The person's profile inside each community (/<community>/profil/), without a namespace
(``profile``), included in ``tilskot/urls.py`` by name so the core imports no stage."""

from django.urls import path

from . import accounts

urlpatterns = [
    path("profil/", accounts.ProfileView.as_view(), name="profile"),
]
