"""The fixture world every test shares: two communities of different languages, named people in
named roles (zulip-style), and helpers for scoped queries."""

import datetime as dt
import sys
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.utils import translation
from django_scopes import scopes_disabled

from tilskot.celery import app as celery_app
from tilskot.models import Community, Round, User
from tilskot.roles import Role
from tilskot.services import community_role_groups_ensure, role_grant

from .factories import (
    CommunityFactory,
    CriterionFactory,
    OrganisationFactory,
    PriorityAreaFactory,
    RoundFactory,
    SchemeFactory,
    UserFactory,
)
from .oidc.fixtures import (  # noqa: F401 (fixtures)
    identity_providers,
    identity_providers_live,
    oidc_provider,
    oidc_provider_live,
)


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process in tests, whichever broker is configured; the test with a real
    worker (test_reminders.py) turns this off for itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Code a test calls directly (services, validators) speaks English unless the test says
    otherwise; every request still chooses its own language in LanguageMiddleware."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploads never land in the project
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.STAFF_STRONG_LOGIN_REQUIRED = False  # tests/test_identity.py turns it on
    cache.clear()  # log-in attempts counted by one test never limit another
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@dataclass
class World:
    """Two communities and their people.

    - ``sigrid``: secretariat in Bergen
    - ``ola``: secretariat in Østfold
    - ``kari``: applicant in Østfold, committee member in Bergen
    - ``per``: logged-in, no role anywhere
    - ``admin``: superuser
    """

    bergen: Community
    ostfold: Community
    bergen_round: Round
    ostfold_round: Round
    sigrid: User
    ola: User
    kari: User
    per: User
    admin: User


def make_community(slug: str, name: str, language: str) -> tuple[Community, Round]:
    community = CommunityFactory(slug=slug, name=name, language=language)
    community_role_groups_ensure(community=community)
    scheme = SchemeFactory(community=community)
    OrganisationFactory(
        community=community, kind="hospital_trust", name=f"{name} HF", municipality_number=""
    )
    CriterionFactory.create_batch(2, scheme=scheme)
    PriorityAreaFactory(scheme=scheme)
    round_ = RoundFactory(scheme=scheme, name=f"Hovudrunde {slug}")
    return community, round_


@pytest.fixture
def world(db) -> World:
    with scopes_disabled():
        bergen, bergen_round = make_community("bergen", "Helsefellesskapet i bergensområdet", "nn")
        ostfold, ostfold_round = make_community("ostfold", "Helsefellesskapet Østfold", "nb")
    sigrid = UserFactory(email="sigrid@tilskot.test")
    ola = UserFactory(email="ola@tilskot.test")
    kari = UserFactory(email="kari@tilskot.test")
    per = UserFactory(email="per@tilskot.test")
    admin = UserFactory(email="admin@tilskot.test", is_staff=True, is_superuser=True)
    role_grant(user=sigrid, community=bergen, role=Role.SECRETARIAT)
    role_grant(user=ola, community=ostfold, role=Role.SECRETARIAT)
    role_grant(user=kari, community=ostfold, role=Role.APPLICANT)
    role_grant(user=kari, community=bergen, role=Role.COMMITTEE)
    return World(bergen, ostfold, bergen_round, ostfold_round, sigrid, ola, kari, per, admin)


@pytest.fixture
def oslo_now():
    """A fixed moment to compare Europe/Oslo wall-clock times against."""
    return dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def pytest_terminal_summary(terminalreporter):
    """How much the hostile-forms walk tried (tests/test_forms_hostile.py), when it ran."""
    hostile = sys.modules.get("tests.test_forms_hostile")
    if hostile is not None and hostile.TALLY.posts:
        terminalreporter.write_line(hostile.summary())
