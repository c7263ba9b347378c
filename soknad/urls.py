"""Application pages, all under /<community>/ (see tilskot/urls.py)."""

from django.urls import path

from .views import applicant, case, documents, preview, screening

app_name = "soknad"

urlpatterns: list = [
    # The applicant's journey (views/applicant.py)
    path("soknader/", applicant.mine, name="mine"),
    path("runde/<int:round>/ny-soknad/", applicant.start, name="start"),
    path("soknad/<int:application>/steg/<slug:step>/", applicant.StepView.as_view(), name="step"),
    path("soknad/<int:application>/send/", applicant.submit, name="submit"),
    path(
        "soknad/<int:application>/kvittering/<int:number>/",
        applicant.receipt,
        name="receipt",
    ),
    path("soknad/<int:application>/inviter/", applicant.invite, name="invite"),
    path(
        "soknad/<int:application>/signatur/",
        applicant.signature_request,
        name="signature_request",
    ),
    path("soknad/<int:application>/trekk/", applicant.withdraw, name="withdraw"),
    path("invitasjon/<uuid:token>/", applicant.accept_invitation, name="invitation"),
    # Files (views/documents.py): a submission's PDF and the uploaded documents
    path(
        "soknad/<int:application>/innsendt/<int:number>.pdf",
        documents.submission_pdf,
        name="pdf",
    ),
    path(
        "soknad/<int:application>/dokument/<int:document>/",
        documents.document_download,
        name="document",
    ),
    # The secretariat's rules pages: the form as applicants will see it (views/preview.py)
    path("regler/soknadsskjema/", preview.FormPreviewView.as_view(), name="form_preview"),
    # The case view and the secretariat's screening (views/case.py, views/screening.py)
    path("soknad/<int:application>/", case.ApplicationView.as_view(), name="application"),
    path("sekretariat/soknad/<int:application>/", screening.screen, name="screen"),
    path(
        "sekretariat/runde/<int:round>/soknader/",
        screening.ApplicationTableView.as_view(),
        name="table",
    ),
]
