"""Tenancy and language, resolved once per request.

``CommunityMiddleware`` reads the community from the URL (/<community>/...), answers 404 for an
unknown one, and runs the rest of the request inside ``scope(community=...)`` (django-scopes), so
every query of a tenant-owned model is filtered to that community without the view doing
anything. A pattern without a community runs unscoped: a tenant query there raises ScopeError
rather than returning every community's rows. The Django admin runs scoped to the communities
where the user is secretariat (a superuser sees all).
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.http import Http404, QueryDict
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.functional import Promise
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import get_objects_for_user

from .models import Community
from .roles import Role

FORM_ENCODED = "application/x-www-form-urlencoded"
NEXT_DEPTH = 3


class CommunityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.community = None
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return self.get_response(request)

        slug = match.kwargs.get("community")
        if slug is not None:
            community = Community.objects.filter(slug=slug).first()
            if community is None:
                raise Http404(_("There is no community at this address."))
            request.community = community
            with scope(community=community):
                return self.get_response(request)

        if match.app_name == "admin":
            with self._admin_scope(request.user):
                return self.get_response(request)
        return self.get_response(request)

    @staticmethod
    def _admin_scope(user):
        if user.is_active and user.is_superuser:
            return scopes_disabled()
        if not user.is_authenticated:
            return scope(community=[])
        communities = get_objects_for_user(
            user, Role.SECRETARIAT.permission, klass=Community, accept_global_perms=False
        )
        return scope(community=list(communities.values_list("pk", flat=True)))


class LanguageMiddleware:
    """The language a user chose (language switcher cookie) wins; otherwise the community's
    own language (nynorsk in Bergen); otherwise bokmål. Accept-Language is not used: a
    Norwegian public service answers in Norwegian unless asked otherwise.

    A page outside a community (log-in, registration, passwords, the accessibility statement)
    speaks the language of the community the person came from: the one a safe ``next`` names
    (``/konto/logg-inn/?next=/bergen/...``), else, for someone with roles in exactly one
    community, that one. An anonymous request without ``next`` costs no query."""

    supported = frozenset(code for code, _name in settings.LANGUAGES)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        language = self.language(request)
        request.LANGUAGE_CODE = language
        # override() puts back whatever was active before, so nothing rendered outside this
        # middleware (e.g. the 404 for an unknown community) inherits this request's language.
        with translation.override(language):
            response = self.get_response(request)
            render_queued_messages(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response

    def language(self, request) -> str:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in self.supported:
            return chosen
        if request.community is not None:
            return request.community.language
        return language_outside_communities(request) or settings.LANGUAGE_CODE


def language_outside_communities(request) -> str | None:
    """The language of the community a page outside every community was reached from (or of
    the community whose address holds no such page: its "not found")."""
    slug = _community_of_next(request) or _community_of_missing_page(request.path_info)
    if slug is not None:
        language = Community.objects.filter(slug=slug).values_list("language", flat=True).first()
        if language is not None:
            return language
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    languages = list(
        Community.objects.filter(role_groups__group__user=user)
        .values_list("pk", "language")
        .distinct()[:2]
    )
    return languages[0][1] if len(languages) == 1 else None


def _community_of_next(request) -> str | None:
    """The community slug of the request's ``next`` (the query's, or a posted form's such as
    the log-in form's), if it stays on this site. A ``next`` that is itself a page outside a
    community may carry its own (the log-in page in front of the strong log-in page in front
    of a page of Bergen): followed a few steps."""
    value = request.GET.get("next", "")
    if not value and request.method == "POST" and request.content_type == FORM_ENCODED:
        value = request.POST.get("next", "")
    for _step in range(NEXT_DEPTH):
        if not value or not url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return None
        target = urlsplit(value)
        slug = _community_of_path(target.path)
        if slug is not None:
            return slug
        value = QueryDict(target.query).get("next", "")
    return None


def _community_of_missing_page(path: str) -> str | None:
    """/bergen/finst-ikkje/ is no page, but the address is Bergen's: the first segment of an
    address that resolves to nothing, to look up."""
    try:
        resolve(path)
    except Resolver404:
        return path.strip("/").split("/", 1)[0] or None
    return None


def _community_of_path(path: str) -> str | None:
    if not path.startswith("/"):
        return None
    try:
        return resolve(path).kwargs.get("community")
    except Resolver404:
        return None


def render_queued_messages(request) -> None:
    """MessageMiddleware stores the messages a view added once the response has left this
    middleware, outside the request's language: a lazy text (gettext_lazy) would be rendered in
    the default language then. Render them here, in the request's."""
    storage = getattr(request, "_messages", None)
    for message in getattr(storage, "_queued_messages", ()):
        if isinstance(message.message, Promise):
            message.message = str(message.message)


class PrivateResponseMiddleware:
    """A page or export shown to a logged-in person carries their data (cases, scores, money,
    names): no browser, proxy or shared computer may keep a copy (``Cache-Control: no-store``).
    A view that sets its own caching keeps it; public pages for anonymous visitors are
    untouched."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response
