"""Tilskot's one settings module: everything that differs between machines comes from the
environment (see the configuration table in README.md).

With no environment at all, Tilskot runs on the *embedded default*: SQLite in the project folder,
Celery tasks executed eagerly, e-mail printed to the console, DEBUG on. Production sets at least
DEBUG=0, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL and CELERY_BROKER_URL.
"""

import datetime as dt
import json
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)

# Development default only: clearly marked, and refused when DEBUG is off.
_DEV_SECRET_KEY = "django-insecure-tilskot-development-only-never-use-in-production"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="") or _DEV_SECRET_KEY
if not DEBUG and SECRET_KEY == _DEV_SECRET_KEY:
    raise ImproperlyConfigured("Set SECRET_KEY in the environment when DEBUG is off.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "django_htmx",
    "guardian",
    "simple_history",
    "csp",
    # Accounts, e-mail addresses, ID-porten/Ansattporten (OpenID Connect), second factors and the
    # person's own list of sign-ins: django-allauth, configured in the "Accounts" section below.
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "allauth.usersessions",
    # One app per stage of a grant's life; `tilskot` holds the tenant model and its rules.
    "tilskot",
    "soknad",
    "komite",
    "utbetaling",
    "rapport",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Nothing shown to a logged-in person is kept in a cache (Cache-Control: no-store).
    "tilskot.middleware.PrivateResponseMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Resolves the community from the URL and runs the view inside its scope.
    "tilskot.middleware.CommunityMiddleware",
    # Chooses the language: the user's choice, else the community's, else bokmål.
    "tilskot.middleware.LanguageMiddleware",
    # Staff roles need a second factor or ID-porten/Ansattporten (STAFF_STRONG_LOGIN_REQUIRED).
    "tilskot.identity.StrongLoginMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "tilskot.urls"
WSGI_APPLICATION = "tilskot.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tilskot.context_processors.community",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction begins, so that SQLite serialises what
    # PostgreSQL does with SELECT ... FOR UPDATE (e.g. two clicks on "submit").
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "tilskot.User"
AUTHENTICATION_BACKENDS = [
    # E-mail and password (and what allauth adds: ID-porten, second factors) ...
    "allauth.account.auth_backends.AuthenticationBackend",
    # ... and roles as object permissions on the community.
    "guardian.backends.ObjectPermissionBackend",
]
# No anonymous user row: permissions are only ever granted to real people.
ANONYMOUS_USER_NAME = None
GUARDIAN_MONKEY_PATCH_USER = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "todo_start"  # the to-do page
LOGOUT_REDIRECT_URL = "start"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", _("Norwegian Bokmål")),
    ("nn", _("Norwegian Nynorsk")),
    ("en", _("English")),
]
# Our own catalog first (makemessages keeps it); then our nynorsk for django-allauth, which ships
# none (locale_vendor/nn). The first catalog that has a msgid wins.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_vendor"]
FORMAT_MODULE_PATH = ["tilskot.formats"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static files: Designsystemet, its font and htmx come from npm (node_modules) at install --
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/designsystemet", NODE_MODULES / "@digdir" / "designsystemet-css" / "dist"),
    ("vendor/inter", NODE_MODULES / "@fontsource-variable" / "inter"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Development serves straight from the finders; production from the collected, hashed files.
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")

# Our own crispy-forms template pack (templates/designsystemet/): Designsystemet's field markup.
CRISPY_ALLOWED_TEMPLATE_PACKS = ("designsystemet",)
CRISPY_TEMPLATE_PACK = "designsystemet"

# --- E-mail -----------------------------------------------------------------------------------
# EMAIL_URL, e.g. smtp+tls://user:password@smtp.example.org:587; development: the console.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Tilskot <ikkje-svar@tilskot.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where Tilskot is reached, for links in e-mails (which have no request to take the host from).
# Links in e-mails. The embedded default follows `PORT=8101 make run` (the port it serves on).
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip(
    "/"
)

# --- The accessibility statement (/tilgjengelighet/, tilskot/accessibility.py) ----------------
# What differs between deployments: the organisation responsible for the service (and its
# organisation number), where feedback goes (empty: to the communities' own contact addresses),
# and the date the statement was last reviewed against the service (YYYY-MM-DD).
ACCESSIBILITY_ORGANISATION = env.str("ACCESSIBILITY_ORGANISATION", default="")
ACCESSIBILITY_ORGANISATION_NUMBER = env.str("ACCESSIBILITY_ORGANISATION_NUMBER", default="")
ACCESSIBILITY_CONTACT_EMAIL = env.str("ACCESSIBILITY_CONTACT_EMAIL", default="")
try:
    ACCESSIBILITY_STATEMENT_DATE = dt.date.fromisoformat(
        env.str("ACCESSIBILITY_STATEMENT_DATE", default="2026-12-03")
    )
except ValueError as error:
    raise ImproperlyConfigured("ACCESSIBILITY_STATEMENT_DATE: use YYYY-MM-DD.") from error

# --- Accounts (django-allauth) ----------------------------------------------------------------
# E-mail and password are the embedded default; ID-porten and Ansattporten are offered when their
# client ids are set (tilskot/identity.py). Every setting below is explained in README.md.
ACCOUNT_ADAPTER = "tilskot.identity.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "tilskot.identity.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "tilskot.forms.NameSignupForm"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# The link in the e-mail shows one button; the POST behind it confirms. Confirming on GET would
# let mail scanners that open every link (such as Microsoft Safe Links) use it up first.
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = 3
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_SESSION_REMEMBER = None  # the person chooses ("Remember me")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Tilskot: "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Failed log-ins: five per account in five minutes, then every try (the right password too) is
# refused until the window has passed; twenty a minute from one address.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("LOGIN_FAILED_LIMIT", default="20/m/ip,5/5m/key"),
}
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # an identity provider never takes over an account
SOCIALACCOUNT_AUTO_SIGNUP = False  # a new ID-porten person gives an e-mail address first
SOCIALACCOUNT_LOGIN_ON_GET = False  # a log-in with ID-porten starts with a POST (CSRF)
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_ONLY = False
# Second factors: TOTP, passkeys (WebAuthn) and recovery codes.
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "Tilskot"
# Staff (secretariat, committee, decision body, finance) must have logged in with a second factor
# or with ID-porten/Ansattporten at substantial or high. Default: on in production only.
STAFF_STRONG_LOGIN_REQUIRED = env.bool("STAFF_STRONG_LOGIN_REQUIRED", default=not DEBUG)
# Sign-ins (browser, address, when) are recorded at log-in; not on every request, which would
# cost a write per page.
USERSESSIONS_TRACK_ACTIVITY = False

# ID-porten and Ansattporten (OpenID Connect). A provider is offered when its client id is set.
# Test environments: https://test.idporten.no and https://test.ansattporten.no.
OIDC_PROVIDERS = {
    provider: {
        "client_id": env.str(f"{prefix}_CLIENT_ID", default=""),
        "secret": env.str(f"{prefix}_CLIENT_SECRET", default=""),
        "server_url": env.str(f"{prefix}_ISSUER", default=issuer),
    }
    for provider, prefix, issuer in (
        ("idporten", "IDPORTEN", "https://idporten.no"),
        ("ansattporten", "ANSATTPORTEN", "https://ansattporten.no"),
    )
}
# Ansattporten names the organisations a person may act for when asked for an Altinn resource
# (authorization_details): the resource id of the service registered for Tilskot in Altinn.
ANSATTPORTEN_ALTINN_RESOURCE = env.str("ANSATTPORTEN_ALTINN_RESOURCE", default="")
OIDC_PROVIDERS["idporten"]["auth_params"] = {}
OIDC_PROVIDERS["ansattporten"]["auth_params"] = (
    {
        "authorization_details": json.dumps(
            [{"type": "ansattporten:altinn:service", "resource": ANSATTPORTEN_ALTINN_RESOURCE}]
        )
    }
    if ANSATTPORTEN_ALTINN_RESOURCE
    else {}
)
# The levels of ID-porten and Ansattporten, weakest first (eIDAS low, substantial, high); the one
# asked for (acr_values) is the lowest accepted in the answer.
OIDC_ACR_LEVELS = ("idporten-loa-low", "idporten-loa-substantial", "idporten-loa-high")
OIDC_ACR = env.str("OIDC_ACR", default="idporten-loa-substantial")
if OIDC_ACR not in OIDC_ACR_LEVELS:
    raise ImproperlyConfigured(f"OIDC_ACR={OIDC_ACR!r}: use idporten-loa-substantial or -high.")
# Keep the national identity number (pid) from ID-porten: off unless a deployment needs it.
OIDC_STORE_PID = env.bool("OIDC_STORE_PID", default=False)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # Our provider class adds a nonce, verifies the ID token's signature and checks the level.
        "provider_class": "tilskot.identity.NorwegianOIDCProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": provider,
                "name": {"idporten": "ID-porten", "ansattporten": "Ansattporten"}[provider],
                "client_id": config["client_id"],
                "secret": config["secret"],
                "settings": {
                    "server_url": config["server_url"],
                    "fetch_userinfo": False,
                    "token_auth_method": "client_secret_post",
                    "scope": ["openid", "profile"],
                    "auth_params": {"acr_values": OIDC_ACR, **config["auth_params"]},
                },
            }
            for provider, config in OIDC_PROVIDERS.items()
            if config["client_id"]
        ],
    },
}

# --- Cache: rate limits of log-in attempts live here (Redis in production: CACHE_URL) ---------
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# --- Celery -----------------------------------------------------------------------------------
# No broker set: tasks run eagerly in-process (the embedded default). Never default to a Redis
# URL: with Redis down, .delay() would hang and then fail.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
# Results (and progress of long tasks) are kept in the broker's Redis unless set otherwise.
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or (
    None if CELERY_TASK_ALWAYS_EAGER else CELERY_BROKER_URL
)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery beat: the reminder scan (tilskot.reminders) every quarter of an hour. Without a broker,
# `manage.py send_reminders` runs the same scan.
CELERY_BEAT_SCHEDULE = {
    "scan-reminders": {"task": "tilskot.scan_reminders", "schedule": 15 * 60},
}
# A failed e-mail is tried again after 1, 2, 4, 8 ... times this many seconds.
NOTIFICATION_RETRY_SECONDS = env.int("NOTIFICATION_RETRY_SECONDS", default=60)

# --- Security ---------------------------------------------------------------------------------
# Off in development (plain http on 127.0.0.1); on whenever DEBUG is off, so that
# `manage.py check --deploy` is clean. Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = not DEBUG
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Strict Content-Security-Policy: no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # Logging in and out with ID-porten or Ansattporten posts a form that redirects there.
        "form-action": [
            SELF,
            *(
                f"{urlsplit(config['server_url']).scheme}://{urlsplit(config['server_url']).netloc}"
                for config in OIDC_PROVIDERS.values()
                if config["client_id"]
            ),
        ],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
