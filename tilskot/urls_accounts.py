"""Accounts outside any community (/konto/...): django-allauth's pages, with Norwegian addresses
for the ones people type or see most, and our log-out (which also ends an ID-porten session)."""

from allauth.account import views as account_views
from django.urls import include, path

from . import views

urlpatterns = [
    # allauth's own log-out address, taken by ours so that no log-out skips the provider's.
    path("logout/", views.LogoutView.as_view(), name="account_logout"),
    path("", include("allauth.urls")),
    # The same names as allauth's: reverse() takes the last, so links use these addresses.
    path("logg-inn/", account_views.login, name="account_login"),
    path("logg-ut/", views.LogoutView.as_view(), name="account_logout"),
    path("registrer/", account_views.signup, name="account_signup"),
    path("passord/", account_views.password_reset, name="account_reset_password"),
    path("sterk-innlogging/", views.StrongLoginView.as_view(), name="strong_login"),
]
