"""Settings for the benchmarks: Tilskot's own settings (all from the environment, as in
production) plus the ``bench`` app, its URLconf with the ceiling view, and what a benchmark on
plain http over the loopback needs.

Run every benchmark with ``DJANGO_SETTINGS_MODULE=bench.settings`` (``bench/run.sh`` sets it and
the production-like environment: DEBUG=0, a secret key, PostgreSQL, Redis db 5).
"""

from tilskot.settings import *  # noqa: F403
from tilskot.settings import ALLOWED_HOSTS, BASE_DIR, INSTALLED_APPS, env

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"

# Never the development SQLite file: the benchmarks fill and flush their own database.
BENCH_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/tilskot_bench"
DATABASES = {"default": env.db("DATABASE_URL", default=BENCH_DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# Django's test client (bench_pages) asks as "testserver".
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]

# Generated files stay under bench/var/ (ignored by git), never in the project's media/.
BENCH_VAR = BASE_DIR / "bench" / "var"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BENCH_VAR / "media")
STATIC_ROOT = BENCH_VAR / "static"

# The load test speaks plain http to gunicorn on 127.0.0.1: no redirect to https, and cookies
# a client sends over http. TLS is the proxy's work in production and is not measured here.
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = LANGUAGE_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0

# Decision letters and receipts are rendered and recorded as in production, but not sent.
if not env.str("EMAIL_URL", default=""):
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"

# A request that fails is what the benchmarks look for; everything else stays quiet.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# Every benchmark logs in from 127.0.0.1, many times (bench_pages times 33 log-ins of one
# person, the load test logs in its users at 5 a second): allauth's rate limits on log-in
# failures and attempts per address would answer "429 Too Many Requests" instead of measuring.
ACCOUNT_RATE_LIMITS = False
