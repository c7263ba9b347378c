"""Settings come from the environment; production settings pass Django's deployment check."""

import os
import subprocess
import sys

from django.conf import settings

PROJECT = settings.BASE_DIR


def run_manage(*args, **env):
    ours = (
        "DATABASE_URL",
        "CELERY_BROKER_URL",
        "DEBUG",
        "SECRET_KEY",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "SITE_URL",
        "PORT",
    )  # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests
    clean = {k: v for k, v in os.environ.items() if k not in ours}
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_debug_off():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DEBUG="0",
        SECRET_KEY="k" * 20 + "-a-long-random-production-secret-0123456789",
        ALLOWED_HOSTS="tilskot.example.org",
        DATABASE_URL="sqlite:////tmp/tilskot-deploy.db",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_links_in_e_mails_follow_the_port_make_run_serves_on():
    code = "from django.conf import settings as s; print(s.SITE_URL)"
    served = run_manage("shell", "--no-imports", "-c", code, PORT="8101")
    assert served.stdout.strip() == "http://127.0.0.1:8101", served.stderr
    public = run_manage(
        "shell", "--no-imports", "-c", code, PORT="8101", SITE_URL="https://tilskot.no/"
    )
    assert public.stdout.strip() == "https://tilskot.no"


def test_production_refuses_the_development_secret_key():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="tilskot.example.org")
    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr


def test_an_unknown_security_level_is_refused_at_start():
    result = run_manage("check", OIDC_ACR="substantial")
    assert result.returncode != 0
    assert "OIDC_ACR" in result.stderr


def test_identity_providers_come_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "apps = s.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS']; "
        "print([(a['provider_id'], a['client_id'], a['settings']['server_url']) for a in apps], "
        "s.STAFF_STRONG_LOGIN_REQUIRED, "
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES']['form-action'][1:])"
    )
    none = run_manage("shell", "--no-imports", "-c", code)
    assert none.stdout.strip() == "[] False []", none.stderr
    one = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        IDPORTEN_CLIENT_ID="abc",
        IDPORTEN_CLIENT_SECRET="hemmeleg",
        IDPORTEN_ISSUER="https://test.idporten.no",
    )
    assert one.stdout.strip() == (
        "[('idporten', 'abc', 'https://test.idporten.no')] False ['https://test.idporten.no']"
    ), one.stderr


def test_embedded_default():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.EMAIL_BACKEND, s.TIME_ZONE, s.LANGUAGE_CODE)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "True",
        "django.core.mail.backends.console.EmailBackend",
        "Europe/Oslo",
        "nb",
    ]


def test_database_and_broker_from_the_environment():
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "d = s.DATABASES['default']; print(d['ENGINE'], d['HOST'], d['NAME'], "
        "s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER)",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/tilskot",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "127.0.0.1",
        "tilskot",
        "redis://127.0.0.1:6379/0",
        "False",
    ]
