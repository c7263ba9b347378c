"""Tenant isolation, proved over the whole project rather than view by view.

- Every tenant-owned model has a scoped manager, so a query without a community fails.
- Every URL pattern under /<community>/ is requested with an object of *another* community and
  must answer 404; the same request with the community's own object must succeed, so the 404 is
  not an accident. A new view is covered the moment its URL exists; a new URL argument fails
  here until it gets a factory below.
- Every URL outside a community is in a known list, so a new one is a conscious decision.
"""

import io
import re
from collections.abc import Callable

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import ScopeError, scope, scopes_disabled
from PIL import Image

from komite.models import (
    ConflictDeclaration,
    Decision,
    DecisionItem,
    LetterBatch,
    Membership,
    Recommendation,
    RoundReview,
)
from rapport.models import FinalReport
from soknad.models import Application, Invitation
from tilskot.models import Community, RoleInvitation, Round
from tilskot.roles import Role
from utbetaling.models import Payment, Reallocation, RepaymentClaim

from .factories import (
    ApplicationFactory,
    DocumentFactory,
    OrganisationFactory,
    RoundFactory,
    SchemeFactory,
    SubmissionFactory,
    UserFactory,
    make_grant,
)
from .pdfs import pdf_bytes

TENANT_APPS = ("tilskot", "soknad", "komite", "utbetaling", "rapport")
# Not tenant-owned: the tenant itself and the people (who can hold roles in many communities).
# A notification preference is a person's own setting, the same in every community.
UNSCOPED_MODELS = {"tilskot.User", "tilskot.Community", "tilskot.NotificationPreference"}

# The walk requests as this superuser; objects "of the requester" (an application) are theirs.
WALKER = "admin@tilskot.test"

# How to make an object of a given community for each URL argument that names one.
OBJECT_FACTORIES: dict[str, Callable[[Community], int]] = {
    "round": lambda community: RoundFactory(scheme=SchemeFactory(community=community)).pk,
    "application": lambda community: (
        ApplicationFactory(
            round=RoundFactory(scheme=SchemeFactory(community=community)),
            owner=UserFactory(email=WALKER),
        ).pk
    ),
    "organisation": lambda community: OrganisationFactory(community=community).pk,
    "scheme": lambda community: SchemeFactory(community=community).pk,
    "grant": lambda community: (
        make_grant(
            ApplicationFactory(
                round=RoundFactory(scheme=SchemeFactory(community=community)),
                owner=UserFactory(email=WALKER),
            )
        ).pk
    ),
}
# URL arguments that are values, not objects.
VALUES: dict[str, object] = {
    "step": "basics",
    "stage": 1,
    "action": "godkjenn",
    "year": 2026,
    "format": "xlsx",
    "kind": "innvilget",  # the letters' preview: a grant or a refusal
}


def application_for(community: Community, made: dict[str, int]) -> Application:
    """The application the URL names, else a new one of ``community``."""
    if "application" not in made:
        return Application.objects.get(pk=OBJECT_FACTORIES["application"](community))
    return Application.objects.get(pk=made["application"])


# URL arguments that name an object *of another argument's object* (a document of that
# application, its submission number N): made from the objects already made for the same URL
# (argument → value), so that one URL's objects belong together.
DEPENDENT_FACTORIES: dict[str, Callable[[Community, dict[str, int]], int]] = {
    "document": lambda community, made: (
        DocumentFactory(application=application_for(community, made)).pk
    ),
    "number": lambda community, made: (
        SubmissionFactory(application=application_for(community, made)).number
    ),
    "token": lambda community, made: (
        Invitation.objects.create(
            application=application_for(community, made),
            email=WALKER,
            invited_by=UserFactory(email=WALKER),
        ).token
    ),
    "role_token": lambda community, made: (
        RoleInvitation.objects.create(
            community=community,
            role=Role.COMMITTEE,
            email=WALKER,
            invited_by=UserFactory(email=WALKER),
        ).token
    ),
    "batch": lambda community, made: _letters_zipped(made["round"]),
    "payment": lambda community, made: _invoice(made["grant"]),
    "reallocation": lambda community, made: (
        Reallocation.objects.create(
            grant_id=made["grant"], reason="Flytt", requested_by=UserFactory(email=WALKER)
        ).pk
    ),
    "claim": lambda community, made: (
        RepaymentClaim.objects.create(
            grant_id=made["grant"],
            amount=1000,
            reason="Ikkje brukt",
            due_date="2030-01-01",
            raised_by=UserFactory(email=WALKER),
        ).pk
    ),
}


def _invoice(grant_id: int) -> int:
    payment = Payment(
        grant_id=grant_id,
        kind=Payment.Kind.INVOICE,
        number="F-1",
        date="2027-02-01",
        amount=1000,
        registered_by=UserFactory(email=WALKER),
    )
    payment.file.save("faktura.pdf", ContentFile(pdf_bytes("faktura")))
    return payment.pk


def _letters_zipped(round_id: int) -> int:
    batch = LetterBatch.objects.create(
        round_id=round_id, status=LetterBatch.Status.DONE, requested_by=UserFactory(email=WALKER)
    )
    batch.file.save("vedtaksbrev.zip", ContentFile(b"PK\x05\x06" + bytes(18)))
    return batch.pk


def _walker_reviews(community: Community, made: dict) -> None:
    """Make the walker a committee member of the round in the URL (or the application's round),
    with the round open for review, the application complete and no conflict declared."""
    walker = UserFactory(email=WALKER)
    application = Application.objects.filter(pk=made.get("application")).first()
    if application is not None:  # a party of the application could not review it
        application.owner = UserFactory()
        application.save()
    round_ = application.round if application else Round.objects.get(pk=made["round"])
    member, _ = Membership.objects.get_or_create(
        round=round_, user=walker, defaults={"appointed_by": walker}
    )
    RoundReview.objects.update_or_create(
        round=round_, defaults={"scoring_deadline": round_.closes_at, "opened_at": round_.opens_at}
    )
    if application is not None:
        application.status = Application.Status.COMPLETE
        application.save()
        ConflictDeclaration.objects.get_or_create(
            application=application, member=member, defaults={"has_conflict": False}
        )


def _submitted(community: Community, made: dict) -> None:
    """The walker's application submitted: before, it is the applicants' alone."""
    Application.objects.filter(pk=made["application"]).update(
        status=Application.Status.SUBMITTED, submitted_at=timezone.now()
    )


def _recommendation_sent(community: Community, made: dict) -> None:
    Recommendation.objects.get_or_create(
        round_id=made["round"], defaults={"status": Recommendation.Status.SENT}
    )


def _decided(community: Community, made: dict) -> None:
    """The application's round finally decided: the application granted."""
    application = Application.objects.get(pk=made["application"])
    decision = Decision.objects.create(
        round=application.round,
        stage=len(community.decision_bodies),
        body=community.decision_body,
        meeting="SSU 1/2026",
        case_reference="1/26",
        decided_on=application.round.closes_at.date(),
        status=Decision.Status.RECORDED,
    )
    DecisionItem.objects.create(
        decision=decision,
        application=application,
        order=1,
        granted=True,
        amount=100_000,
        period_start=application.round.closes_at.date(),
        period_end=application.round.closes_at.date(),
    )


def _auditor_confirmation(community: Community, made: dict) -> None:
    report = FinalReport.objects.create(grant_id=made["grant"])
    report.auditor_confirmation.save("revisor.pdf", ContentFile(pdf_bytes("revisor")))


# Pages that need more than the object itself (route fragment → setup of the walker's own).
PREPARE_OWN: dict[str, Callable[[Community, dict], None]] = {
    "komite/": _walker_reviews,
    "sekretariat/soknad/": _submitted,
    "innstilling.pdf": _recommendation_sent,
    "vedtaksbrev.pdf": _decided,
    "revisor/": _auditor_confirmation,
}

# Named URLs outside any community (the admin and set_language are checked separately).
NON_TENANT_URLS = {
    "start",
    "todo_start",  # the first page after log-in: each community's to-do list, in its scope
    "accessibility",
    "health",
    # The platform operator's pages (tilskot/operator_views.py): superusers only
    "operator",
    "operator_community_new",
    # Accounts (tilskot/urls_accounts.py): django-allauth's pages and our strong log-in page
    "strong_login",
    *(
        f"account_{name}"
        for name in (
            "login",
            "logout",
            "signup",
            "inactive",
            "email",
            "email_verification_sent",
            "confirm_email",
            "change_password",
            "set_password",
            "reset_password",
            "reset_password_done",
            "reset_password_from_key",
            "reset_password_from_key_done",
            "reauthenticate",
            "request_reauthentication_code",
            "confirm_reauthentication_code",
            "confirm_login_code",
        )
    ),
    *(
        f"mfa_{name}"
        for name in (
            "index",
            "authenticate",
            "reauthenticate",
            "activate_totp",
            "deactivate_totp",
            "view_recovery_codes",
            "generate_recovery_codes",
            "download_recovery_codes",
            "add_webauthn",
            "list_webauthn",
            "edit_webauthn",
            "remove_webauthn",
            "reauthenticate_webauthn",
        )
    ),
    "socialaccount_connections",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "openid_connect_login",  # /konto/oidc/<idporten|ansattporten>/login/
    "openid_connect_callback",
    "usersessions_list",
    None,  # allauth's redirects from its old /social/ addresses
}

PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def tenant_models():
    for model in apps.get_models():
        label = f"{model._meta.app_label}.{model.__name__}"
        if model._meta.app_label not in TENANT_APPS or label in UNSCOPED_MODELS:
            continue
        if model.__name__.startswith("Historical"):
            continue  # simple-history's audit rows, reached only through their scoped object
        yield model


def all_patterns(patterns=None, prefix="", namespace=None):
    """(route, name, namespace) for every URL pattern in the project."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from all_patterns(entry.url_patterns, route, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            yield route, entry.name, namespace


def tenant_patterns():
    return [
        (route, name)
        for route, name, _ns in all_patterns()
        if route.startswith("<slug:community>/")
    ]


def make_objects(community: Community, params: list[str]) -> dict[str, int]:
    made: dict[str, int] = {}
    for param in params:
        if param in VALUES:
            made[param] = VALUES[param]
        elif param in DEPENDENT_FACTORIES:
            made[param] = DEPENDENT_FACTORIES[param](community, made)
        else:
            made[param] = OBJECT_FACTORIES[param](community)
    return made


def build(route: str, values: dict[str, object]) -> str:
    return "/" + PARAM.sub(lambda m: str(values[m.group("name")]), route)


def test_every_tenant_model_is_scoped(db):
    models = list(tenant_models())
    assert models, "no tenant models found"
    unscoped = [m.__name__ for m in models if not hasattr(m.objects, "with_scopes_disabled")]
    assert unscoped == [], f"models without a django-scopes ScopedManager: {unscoped}"
    for model in models:
        with pytest.raises(ScopeError):
            list(model.objects.all())


def test_non_tenant_urls_are_known():
    names = {
        name
        for route, name, ns in all_patterns()
        if not route.startswith("<slug:community>/")
        and ns not in ("admin",)
        and name != "set_language"
    }
    assert names == NON_TENANT_URLS


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # uploads made by the factories


def give_logo(community) -> None:
    """The community's logo (a page of its own, found once there is one)."""
    png = io.BytesIO()
    Image.new("RGB", (12, 4)).save(png, format="PNG")
    community.logo.save("logo.png", ContentFile(png.getvalue()))


@pytest.mark.parametrize(("route", "name"), tenant_patterns())
def test_foreign_objects_are_404_and_own_objects_are_not(client, world, route, name):
    params = [m.group("name") for m in PARAM.finditer(route) if m.group("name") != "community"]
    known = {*OBJECT_FACTORIES, *DEPENDENT_FACTORIES, *VALUES}
    missing = [p for p in params if p not in known]
    assert not missing, f"add a factory to OBJECT_FACTORIES for URL argument(s) {missing}"
    with scopes_disabled():
        own = make_objects(world.bergen, params)
        foreign = make_objects(world.ostfold, params)

    if name == "community_logo":
        give_logo(world.bergen)
    client.force_login(world.admin)  # a superuser: no role check stands in for the scope
    with scopes_disabled():
        for fragment, prepare in PREPARE_OWN.items():
            if fragment in route and params:
                prepare(world.bergen, own)
    own_url = build(route, {"community": "bergen", **own})
    status, post_only = respond(client, own_url)
    # A POST-only view, posted without data, may answer with its page or a redirect.
    expected = {200, 302} if post_only else {200}
    assert status in expected, f"{name}: {own_url} fails with its own objects ({status})"
    objects = [p for p in params if p not in VALUES]  # arguments that name an object
    if objects:
        foreign_url = build(route, {"community": "bergen", **foreign})
        assert request(client, foreign_url) == 404, f"{name}: {foreign_url} leaks"
    unknown_url = build(route, {"community": "finst-ikkje", **own})
    assert request(client, unknown_url) == 404

    client.logout()
    if objects:
        assert request(client, foreign_url) in (302, 404)


def respond(client, url: str) -> tuple[int, bool]:
    """The status code, and whether the view is POST-only (then it was posted to)."""
    response = client.get(url)
    post_only = response.status_code == 405
    if post_only:
        response = client.post(url)
    if response.streaming:
        # Reading a download to the end closes its file the way the test client expects;
        # response.close() would also fire request_finished and close the test's connection.
        b"".join(response.streaming_content)
    return response.status_code, post_only


def request(client, url: str) -> int:
    return respond(client, url)[0]


def test_queries_are_scoped_to_the_active_community(world):
    with scope(community=world.bergen):
        assert list(Round.objects.all()) == [world.bergen_round]
        assert not Round.objects.filter(pk=world.ostfold_round.pk).exists()
    with scope(community=world.ostfold):
        assert list(Round.objects.all()) == [world.ostfold_round]


class TestAdminIsScopedToTheSecretariatsCommunity:
    def test_sees_only_own_rows(self, client, world):
        client.force_login(world.sigrid)
        rounds = client.get("/admin/tilskot/round/")
        assert rounds.status_code == 200
        assert list(rounds.context["cl"].queryset) == [world.bergen_round]
        communities = client.get("/admin/tilskot/community/")
        assert list(communities.context["cl"].queryset) == [world.bergen]

    def test_foreign_row_is_not_shown(self, client, world):
        client.force_login(world.sigrid)
        response = client.get(f"/admin/tilskot/round/{world.ostfold_round.pk}/change/", follow=True)
        assert world.ostfold_round.name not in response.text
        assert response.redirect_chain[-1][0] == "/admin/"

    def test_cannot_put_a_row_in_another_community(self, client, world):
        client.force_login(world.sigrid)
        form = client.get("/admin/tilskot/organisation/add/").context["adminform"].form
        assert list(form.fields["community"].queryset) == [world.bergen]
        response = client.post(
            "/admin/tilskot/organisation/add/",
            {
                "community": world.ostfold.pk,
                "kind": "municipality",
                "name": "Halden",
                "org_number": "959159092",
                "municipality_number": "3101",
                "membership_confirmed": "on",
            },
        )
        assert response.status_code == 200
        assert "community" in response.context["adminform"].form.errors

    def test_person_without_secretariat_role_gets_no_admin(self, client, world):
        client.force_login(world.kari)
        assert client.get("/admin/tilskot/round/").status_code == 302

    def test_superuser_sees_every_community(self, client, world):
        client.force_login(world.admin)
        rounds = client.get("/admin/tilskot/round/")
        assert set(rounds.context["cl"].queryset) == {world.bergen_round, world.ostfold_round}
