"""Files of an application: the PDF of a submission and the uploaded documents.

Both are served only through these views, to the people ``rules.can_read`` allows (the
applicants, the community's secretariat, and readers other stages register, such as a committee
member without a conflict); anyone else, and any object of another application
or community, gets the same 404. Neither may be cached by a shared cache.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .. import pdf, rules
from ..uploads import BY_CONTENT_TYPE, download_name
from .common import application_or_404


@require_safe
@login_required
@never_cache
def submission_pdf(request, community: str, application: int, number: int) -> HttpResponse:
    """Submission ``number`` of the application exactly as it was sent, as PDF."""
    application_ = application_or_404(request, application, rules.can_read)
    submission = get_object_or_404(application_.submissions.all(), number=number)
    response = HttpResponse(pdf.submission_pdf(submission), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"soknad-{application_.pk}-{number}.pdf"
    )
    return response


@require_safe
@login_required
@never_cache
def document_download(request, community: str, application: int, document: int) -> FileResponse:
    """An uploaded document, looked up through its own application only."""
    application_ = application_or_404(request, application, rules.can_read)
    document_ = get_object_or_404(application_.documents.all(), pk=document)
    try:
        file = document_.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # SecurityMiddleware adds X-Content-Type-Options: nosniff, so the browser keeps the type
    # detected at upload and never sniffs the file as something it would run.
    file_type = BY_CONTENT_TYPE.get(document_.content_type)
    if file_type is None:  # only checked types are stored; anything else is not served
        file.close()
        raise Http404
    return FileResponse(
        file,
        as_attachment=True,
        filename=download_name(document_.original_name, file_type),
        content_type=file_type.content_type,
    )
