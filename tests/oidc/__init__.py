"""A real OpenID Connect provider for tests: the ID-porten/Ansattporten stand-in."""

from .flow import login_via_http, logout_via_http, subject_for
from .server import OidcClient, OidcProvider

__all__ = ["OidcClient", "OidcProvider", "login_via_http", "logout_via_http", "subject_for"]
