"""Accounts outside any community (/konto/...); the profile inside each one is in
``urls_profile.py``.

``urlpatterns`` is included at /konto/ in ``tilskot/urls.py``, without a namespace: Django's
password-reset views find the next step by its plain name (``password_reset_done`` ...).
"""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy
from django.views.generic import TemplateView

from . import accounts

CONFIRM_LINK = {"days": accounts.CONFIRM_MAX_AGE.days}

urlpatterns = [
    path("registrer/", accounts.RegisterView.as_view(), name="register"),
    path(
        "registrer/sendt/",
        TemplateView.as_view(
            template_name="registration/register_done.html", extra_context=CONFIRM_LINK
        ),
        name="register_done",
    ),
    path("bekreft/<str:token>/", accounts.ConfirmEmailView.as_view(), name="confirm_email"),
    path("bekreftet/", accounts.ConfirmDoneView.as_view(), name="confirm_done"),
    path("ny-lenke/", accounts.NewLinkView.as_view(), name="new_link"),
    path(
        "ny-lenke/sendt/",
        TemplateView.as_view(
            template_name="registration/register_done.html",
            extra_context={**CONFIRM_LINK, "resent": True},
        ),
        name="new_link_done",
    ),
    path(
        "passord/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_reset_form.html",
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
            success_url=reverse_lazy("password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "passord/sendt/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "passord/ny/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html",
            success_url=reverse_lazy("password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "passord/ferdig/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
