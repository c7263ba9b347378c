"""The payment pages, under /<community>/ (see tilskot/urls.py)."""

from django.urls import path

from . import views

app_name = "utbetaling"

urlpatterns = [
    path("tilskot/<int:grant>/", views.grant, name="grant"),
    path("tilskot/<int:grant>/aksept/", views.accept, name="accept"),
    path("tilskot/<int:grant>/faktura/", views.payment_register, name="payment_register"),
    path(
        "tilskot/<int:grant>/faktura/<int:payment>/<slug:action>/",
        views.payment_action,
        name="payment_action",
    ),
    path(
        "tilskot/<int:grant>/faktura/<int:payment>.pdf",
        views.invoice_file,
        name="invoice_file",
    ),
    path("tilskot/<int:grant>/omdisponering/", views.reallocation_request, name="reallocation"),
    path(
        "tilskot/<int:grant>/omdisponering/<int:reallocation>/",
        views.reallocation_decide,
        name="reallocation_decide",
    ),
    path("tilskot/<int:grant>/krav/", views.claim_raise, name="claim"),
    path("tilskot/<int:grant>/krav/<int:claim>/", views.claim_settle, name="claim_settle"),
    path("okonomi/", views.finance_table, name="finance"),
]
