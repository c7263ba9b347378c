"""The page benchmark: every key page, requested through Django's test client as the person who
uses it, on the world ``bench_fill`` made.

Per page: the SQL queries of one request (``CaptureQueriesContext``), the server time of
repeated requests (median and 95th percentile, after warming up), and the response's size.
The client runs the whole request in-process — middleware, view, template — without a network
or a WSGI server, so the time is Django's and the database's.

A later stage adds its pages to ``PAGES`` (one ``Page`` each, as the finance table and the
final report have), and the benchmark measures them from then on.
"""

from __future__ import annotations

import math
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from komite.models import ConflictDeclaration, Membership
from rapport.models import FinalReport
from soknad.models import Application
from tilskot.models import User
from tilskot.todo import todos
from utbetaling.models import Grant

from . import world as names
from .world import CommunityWorld

LIST, CASE, EXPORT, REFERENCE, WRITE = "list", "case", "export", "reference", "write"

# Targets of issue 7 (2-core machine, PostgreSQL).
MAX_QUERIES = {LIST: 15, EXPORT: 15, CASE: 20}
TIME_TARGETS_MS = [  # (up to N applications, median, p95) for list pages and exports
    (1_000, 50, 150),
    (10_000, None, 400),
]


@dataclass(frozen=True)
class Page:
    name: str
    kind: str
    path: Callable[[CommunityWorld], str]
    user: Callable[[CommunityWorld], User | None] = lambda w: None
    data: Callable[[CommunityWorld], dict] | None = None  # POST this (a write) instead of GET
    htmx: bool = False
    fresh: bool = False  # every request without the cookies of the one before (a log-in)


def _url(name: str, w: CommunityWorld, query: str = "", **kwargs) -> str:
    return reverse(name, kwargs={"community": w.slug, **kwargs}) + query


def _fullest(applications):
    """The application with the most to show (co-applicants, documents, budget lines): the
    case view's worst case, so that its query count is the most it takes."""
    return (
        applications.annotate(
            invited=Count("invitations", distinct=True),
            files=Count("documents", distinct=True),
            lines=Count("budget_lines", distinct=True),
        )
        .order_by("-invited", "-files", "-lines", "pk")
        .first()
    )


def _complete_application(w: CommunityWorld) -> Application:
    with scopes_disabled():
        return _fullest(
            Application.objects.filter(round=w.review_round, status=Application.Status.COMPLETE)
        )


def _applicant_draft(w: CommunityWorld) -> Application:
    """The fullest draft of soker-1 (the applicant whose list is measured) in the open round."""
    with scopes_disabled():
        drafts = Application.objects.filter(round=w.open_round, status=Application.Status.DRAFT)
        mine = drafts.filter(owner__email=names.email(names.APPLICANT, w.community))
        return _fullest(mine) or _fullest(drafts)


def _member(w: CommunityWorld) -> User:
    """The first member of the review round's committee."""
    with scopes_disabled():
        return (
            Membership.objects.filter(round=w.review_round).order_by("pk").select_related("user")
        )[0].user


def _reviewed_application(w: CommunityWorld) -> Application:
    """The fullest application the member has declared no conflict on: they may open it."""
    with scopes_disabled():
        declared = ConflictDeclaration.objects.filter(
            member__round=w.review_round, member__user=_member(w), has_conflict=False
        ).values("application")
        return _fullest(
            Application.objects.filter(pk__in=declared, status=Application.Status.COMPLETE)
        )


def _granted_application(w: CommunityWorld) -> Application:
    """The fullest granted application of the latest decided round: its case page shows the
    decision, the letter and the grant too."""
    with scopes_disabled():
        return _fullest(
            Application.objects.filter(
                round=w.decided_rounds[-1], status=Application.Status.GRANTED
            )
        )


def _busiest_grant(w: CommunityWorld) -> Grant:
    """The grant with the most payments: the grant page's worst case."""
    with scopes_disabled():
        return (
            Grant.objects.filter(application__round__scheme__community=w.community)
            .annotate(claims=Count("payments"))
            .select_related("application__owner")
            .order_by("-claims", "pk")
            .first()
        )


def _submitted_report(w: CommunityWorld) -> FinalReport:
    """A final report waiting for the secretariat, the fullest first."""
    with scopes_disabled():
        return (
            FinalReport.objects.filter(
                grant__application__round__scheme__community=w.community,
                status=FinalReport.Status.SUBMITTED,
            )
            .annotate(lines=Count("spending"))
            .order_by("-lines", "pk")
            .first()
        )


def _status_year(w: CommunityWorld) -> int:
    """The year with the most grants decided: the largest status report."""
    with scopes_disabled():
        return (
            Grant.objects.filter(application__round__scheme__community=w.community)
            .values_list("decision_item__decision__decided_on__year", flat=True)
            .annotate(grants=Count("pk"))
            .order_by("-grants")
            .first()
        )


def _credentials(w: CommunityWorld) -> dict:
    # django-allauth's log-in form (issue 12): the e-mail address as ``login``.
    return {"login": names.email(names.APPLICANT, w.community), "password": names.PASSWORD}


def _secretariat(w: CommunityWorld) -> User:
    return w.user(names.SECRETARIAT)


def _busiest_applicant(w: CommunityWorld) -> User:
    """The applicant of the filled applications whose to-do page lists the most (drafts, more
    information asked for, invitations, grants to accept, repayments, final reports): that
    page's worst case for an applicant."""
    with scopes_disabled():
        applicants = list(
            User.objects.filter(
                email__startswith=f"{names.APPLICANT}-", email__endswith=f".{w.slug}@{names.DOMAIN}"
            ).order_by("pk")
        )
    with scope(community=w.community):
        return max(applicants, key=lambda user: len(todos(user=user, community=w.community)))


def _basics(w: CommunityWorld) -> dict:
    """The first step of the application form, saved as the load test's applicants save it."""
    return {
        "title": "Benk: lagra utkast",
        "summary": "Oppsummering av tiltaket.",
        "description": "Tiltaket held fram som planlagt, med nye avtalar mellom partane.",
        "period_start": "2027-01-01",
        "period_end": "2027-12-31",
        "save": "",
    }


def _scores(w: CommunityWorld) -> dict:
    """A member's scores on every criterion, saved in place (htmx) as in the load test."""
    data = {"overall": "Samla vurdering.", "save": ""}
    with scopes_disabled():
        for criterion in w.scheme.criteria.all():
            if criterion.kind == criterion.Kind.CHECK:
                data[f"met_{criterion.pk}"] = "yes"
            else:
                data[f"score_{criterion.pk}"] = str(criterion.score_max)
            data[f"comment_{criterion.pk}"] = "Kommentar."
    return data


PAGES: list[Page] = [
    Page("ping (trivial view)", REFERENCE, lambda w: reverse("bench_ping")),
    Page("community page", LIST, lambda w: _url("community", w)),
    Page(
        "applicant: my applications",
        LIST,
        lambda w: _url("soknad:mine", w),
        lambda w: w.user(names.APPLICANT),
    ),
    Page(
        "applicant: own draft (case view)",
        CASE,
        lambda w: _url("soknad:application", w, application=_applicant_draft(w).pk),
        lambda w: _applicant_draft(w).owner,
    ),
    Page(
        "applicant: a step of the draft",
        CASE,
        lambda w: _url("soknad:step", w, application=_applicant_draft(w).pk, step="basics"),
        lambda w: _applicant_draft(w).owner,
    ),
    Page(
        "secretariat: application table",
        LIST,
        lambda w: _url("soknad:table", w, round=w.review_round.pk),
        _secretariat,
    ),
    Page(
        "secretariat: table sorted by amount",
        LIST,
        lambda w: _url("soknad:table", w, "?sort=-requested", round=w.review_round.pk),
        _secretariat,
    ),
    Page(
        "secretariat: table as CSV",
        EXPORT,
        lambda w: _url("soknad:table", w, "?format=csv", round=w.review_round.pk),
        _secretariat,
    ),
    Page(
        "secretariat: one application",
        CASE,
        lambda w: _url("soknad:application", w, application=_complete_application(w).pk),
        _secretariat,
    ),
    Page(
        "secretariat: a granted application",
        CASE,
        lambda w: _url("soknad:application", w, application=_granted_application(w).pk),
        _secretariat,
    ),
    Page(
        "committee: applications to review",
        LIST,
        lambda w: _url("komite:review", w, round=w.review_round.pk),
        _member,
    ),
    Page(
        "committee: one application with scoring",
        CASE,
        lambda w: _url("komite:application", w, application=_reviewed_application(w).pk),
        _member,
    ),
    Page(
        "scoring dashboard (secretariat)",
        LIST,
        lambda w: _url("komite:dashboard", w, round=w.review_round.pk),
        _secretariat,
    ),
    Page(
        "scoring dashboard (member)",
        LIST,
        lambda w: _url("komite:dashboard", w, round=w.review_round.pk),
        _member,
    ),
    Page(
        "recommendation (being prepared)",
        LIST,
        lambda w: _url("komite:recommendation", w, round=w.review_round.pk),
        _secretariat,
    ),
    Page(
        "recommendation (sent)",
        LIST,
        lambda w: _url("komite:recommendation", w, round=w.decided_rounds[-1].pk),
        _secretariat,
    ),
    Page(
        "decision (recorded)",
        LIST,
        lambda w: _url("komite:decision", w, round=w.decided_rounds[-1].pk, stage=1),
        lambda w: w.user(names.DECISION_BODY),
    ),
    Page(
        "applicant: save a draft step (POST)",
        WRITE,
        lambda w: _url("soknad:step", w, application=_applicant_draft(w).pk, step="basics"),
        lambda w: _applicant_draft(w).owner,
        data=_basics,
    ),
    Page(
        "committee: save scores (POST, htmx)",
        WRITE,
        lambda w: _url("komite:application", w, application=_reviewed_application(w).pk),
        _member,
        data=_scores,
        htmx=True,
    ),
    Page("public: granted projects", LIST, lambda w: _url("komite:granted", w)),
    Page("open data: granted CSV", EXPORT, lambda w: _url("komite:granted_csv", w)),
    Page("open data: granted JSON", EXPORT, lambda w: _url("komite:granted_json", w)),
    Page(
        "log in (POST, PBKDF2)",
        WRITE,
        lambda w: reverse("account_login"),
        data=_credentials,
        fresh=True,  # logged in, allauth's log-in page only redirects
    ),
    Page(
        "finance table",
        LIST,
        lambda w: _url("utbetaling:finance", w),
        lambda w: w.user(names.FINANCE),
    ),
    Page(
        "finance table as Excel",
        EXPORT,
        lambda w: _url("utbetaling:finance", w, "?format=xlsx"),
        lambda w: w.user(names.FINANCE),
    ),
    Page(
        "recipient: a grant with its payments",
        CASE,
        lambda w: _url("utbetaling:grant", w, grant=_busiest_grant(w).pk),
        lambda w: _busiest_grant(w).application.owner,
    ),
    Page(
        "secretariat: a submitted final report",
        CASE,
        lambda w: _url("rapport:report", w, grant=_submitted_report(w).grant_id),
        _secretariat,
    ),
    # The to-do page (the first page after log-in) as each busy person sees it: one list of
    # what waits across the person's roles, each stage's sources in a fixed number of queries.
    Page("to-do page: secretariat", LIST, lambda w: _url("todo", w), _secretariat),
    Page("to-do page: committee member", LIST, lambda w: _url("todo", w), _member),
    Page(
        "to-do page: decision body",
        LIST,
        lambda w: _url("todo", w),
        lambda w: w.user(names.DECISION_BODY),
    ),
    Page("to-do page: finance", LIST, lambda w: _url("todo", w), lambda w: w.user(names.FINANCE)),
    Page("to-do page: busiest applicant", LIST, lambda w: _url("todo", w), _busiest_applicant),
    Page(
        "status report (Excel)",
        EXPORT,
        lambda w: _url("rapport:status_export", w, year=_status_year(w), format="xlsx"),
        _secretariat,
    ),
]


def strong_login(client: Client, user: User) -> None:
    """Log ``user`` in as with a second factor: staff roles need a strong log-in
    (``STAFF_STRONG_LOGIN_REQUIRED``, on without DEBUG), and without one every staff page
    answers with a redirect to the strong log-in page."""
    client.force_login(user)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "mfa", "at": time.time()}]
    session.save()


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b")


def _shape(sql: str) -> str:
    """The query without its values, so that N+1 queries count as one shape."""
    return re.sub(r"\((?:\?, )*\?\)", "(…)", _LITERALS.sub("?", sql))


def _content(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def measure(
    client: Client,
    path: str,
    *,
    repeat: int,
    warmup: int,
    data: dict | None = None,
    htmx: bool = False,
    fresh: bool = False,
) -> dict:
    headers = {"HX-Request": "true"} if htmx else {}

    def request():
        if fresh:
            client.cookies.clear()
        if data is None:
            return client.get(path, headers=headers)
        return client.post(path, data, headers=headers)

    for _ in range(warmup):
        _content(request())
    with CaptureQueriesContext(connection) as captured:
        response = request()
        body = _content(response)
    queries = captured.captured_queries  # before the next request resets the query log
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        _content(request())
        times.append((time.perf_counter() - began) * 1000)
    shapes = Counter(_shape(q["sql"]) for q in queries)
    repeated_sql, repeated = shapes.most_common(1)[0] if shapes else ("", 0)
    slowest = sorted(queries, key=lambda q: -float(q["time"]))[:3]
    return {
        "status": response.status_code,
        **({"location": response["Location"]} if response.has_header("Location") else {}),
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries) * 1000, 1),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 95), 1),
        "min_ms": round(min(times), 1),
        "max_ms": round(max(times), 1),
        "bytes": len(body),
        "most_repeated_query": {"count": repeated, "sql": repeated_sql[:300]},
        "slowest_queries": [
            {"ms": round(float(q["time"]) * 1000, 1), "sql": q["sql"]} for q in slowest
        ],
    }


def verdict(kind: str, n: int, result: dict) -> list[str]:
    """The targets this page misses (empty: all met)."""
    misses = []
    if result["status"] not in ((200, 302) if kind == WRITE else (200,)):
        misses.append(f"status {result['status']}")
    limit = MAX_QUERIES.get(kind)
    if limit is not None and result["queries"] > limit:
        misses.append(f"{result['queries']} queries > {limit}")
    if kind in (LIST, EXPORT):
        for up_to, median, p95 in TIME_TARGETS_MS:
            if n <= up_to:
                if median is not None and result["median_ms"] > median:
                    misses.append(f"median {result['median_ms']} ms > {median}")
                if p95 is not None and result["p95_ms"] > p95:
                    misses.append(f"p95 {result['p95_ms']} ms > {p95}")
                break
    return misses


def details(client: Client, path: str) -> tuple[list[str], str]:
    """Every query of one request (shortened), and where one request spends its time: the
    functions with the most time of their own (cProfile)."""
    import cProfile
    import io
    import pstats

    with CaptureQueriesContext(connection) as captured:
        _content(client.get(path))
    # Now: the next request starts by resetting the connection's query log.
    queries = [f"{float(q['time']) * 1000:.1f} ms  {q['sql'][:220]}" for q in captured]
    profiler = cProfile.Profile()
    profiler.enable()
    _content(client.get(path))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    stats = out.getvalue()
    stats = stats[stats.find("   ncalls") :]
    return queries, stats


def explain(sql: str) -> str:
    """PostgreSQL's plan of a captured query, as it ran (EXPLAIN ANALYZE)."""
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def run(
    w: CommunityWorld,
    *,
    n: int,
    repeat: int = 30,
    warmup: int = 3,
    only: str = "",
    with_details: bool = False,
    log: Callable[[str], None] = print,
) -> list[dict]:
    """Measure every page of ``PAGES`` (or those whose name contains ``only``). With
    ``with_details`` each result also holds its queries, its slowest query's plan
    (PostgreSQL) and a profile of one request."""
    results = []
    clients: dict[int | str | None, Client] = {}
    for page in PAGES:
        if only and only.lower() not in page.name.lower():
            continue
        user = page.user(w)
        # A log-in gets a client of its own: the anonymous pages must stay anonymous.
        key = user.pk if user else (page.name if page.data else None)
        if key not in clients:
            clients[key] = Client()
            if user is not None:
                strong_login(clients[key], user)
        path = page.path(w)
        result = {
            "page": page.name,
            "kind": page.kind,
            "path": path,
            "user": user.email if user else "anonymous",
        }
        data = page.data(w) if page.data else None
        result.update(
            measure(
                clients[key],
                path,
                repeat=repeat,
                warmup=warmup,
                data=data,
                htmx=page.htmx,
                fresh=page.fresh,
            )
        )
        result["misses"] = verdict(page.kind, n, result)
        if with_details and data is None:
            result["all_queries"], result["profile"] = details(clients[key], path)
            slowest = result["slowest_queries"][0]["sql"] if result["slowest_queries"] else ""
            if connection.vendor == "postgresql" and slowest.lstrip().startswith("SELECT"):
                result["plan"] = explain(slowest)
        log(
            f"  {page.name:40} {result['queries']:3} q  median {result['median_ms']:7.1f} ms  "
            f"p95 {result['p95_ms']:7.1f} ms  {result['bytes'] / 1024:7.1f} KB"
            + (f"  ✗ {'; '.join(result['misses'])}" if result["misses"] else "")
        )
        results.append(result)
    return results
