"""What every application view needs: the application of the active community that this person
may see, or a 404 — the same answer for "does not exist", "another community's" and "not
yours", so an id reveals nothing."""

from __future__ import annotations

from collections.abc import Callable

from django.http import Http404

from .. import rules
from ..models import Application
from ..selectors import application_get


def application_or_404(
    request,
    pk: int,
    allowed: Callable[[object, Application], bool] = rules.can_view,
    *,
    with_content: bool = True,
    with_case: bool = True,
) -> Application:
    """``with_content`` and ``with_case`` as for ``application_get``."""
    application = application_get(pk=pk, with_content=with_content, with_case=with_case)
    if application is None or not allowed(request.user, application):
        raise Http404
    return application
