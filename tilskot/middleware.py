"""Tenancy and language, resolved once per request.

``CommunityMiddleware`` reads the community from the URL (/<community>/...), answers 404 for an
unknown one, and runs the rest of the request inside ``scope(community=...)`` (django-scopes), so
every query of a tenant-owned model is filtered to that community without the view doing
anything. A pattern without a community runs unscoped: a tenant query there raises ScopeError
rather than returning every community's rows. The Django admin runs scoped to the communities
where the user is secretariat (a superuser sees all).
"""

from django.conf import settings
from django.http import Http404
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control, patch_vary_headers
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled
from guardian.shortcuts import get_objects_for_user

from .models import Community
from .roles import Role


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
    Norwegian public service answers in Norwegian unless asked otherwise."""

    supported = frozenset(code for code, _name in settings.LANGUAGES)

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen in self.supported:
            language = chosen
        elif request.community is not None:
            language = request.community.language
        else:
            language = settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # override() puts back whatever was active before, so nothing rendered outside this
        # middleware (e.g. the 404 for an unknown community) inherits this request's language.
        with translation.override(language):
            response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


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
