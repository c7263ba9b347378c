"""The decision-letter benchmark: the time to render one letter (``komite.letters.letter_pdf``)
and to issue a round's batch (``komite.letters.letters_issue``, the Celery task, called in this
process), with the process's memory while the batch runs.

It adds its own decided round to the world (named ``Benk: vedtaksbrev <time>``) with the wanted
number of decisions, planned and inserted as ``bench_fill`` does, so the batch has exactly that
many letters whatever N is.
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import statistics
import threading
import time
from collections.abc import Callable
from decimal import Decimal

import psutil
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from komite.letters import letter_items, letter_pdf, letters_issue
from komite.models import LetterBatch
from soknad.models import Affiliation, Application
from tilskot.models import Round, User
from tilskot.reference import OSLO

from . import world as names
from .fill import applications, committee, community_state
from .fill.state import DECIDED, Fill, RoundFill
from .fill.text import TextPool
from .pages import percentile


def decided_round(slug: str, letters: int, *, seed: int | None = None) -> RoundFill:
    """A closed round of ``slug`` with ``letters`` complete applications, recommended and
    decided by every decision body (about half granted). Each such round gets its own seed
    (unless given), so that unique values (invitation tokens) never repeat."""
    now = timezone.now()
    with scopes_disabled():
        if seed is None:
            made = Round.objects.filter(name__startswith=names.LETTERS.split("{", 1)[0]).count()
            seed = 11 + made
        rng = random.Random(seed)
        w = names.find(slug)
        community = community_state(w.community, 0)
        community.users = {
            role: list(
                User.objects.filter(
                    email__startswith=f"{role}-", email__endswith=f".{slug}@{names.DOMAIN}"
                ).order_by("pk")
            )
            for role in (names.APPLICANT, names.SECRETARIAT)
        }
        community.affiliations = {
            a.user.email: a.organisation
            for a in Affiliation.objects.filter(
                user__in=community.users[names.APPLICANT]
            ).select_related("user", "organisation")
        }
        state = Fill(
            rng=rng,
            text=TextPool(rng),
            now=now,
            password_hash="",
            rounds_per_community=1,
            committee_size=0,
            load_applicants=0,
            load_drafts=0,
            communities=[community],
        )
        closes_at = applications.at_noon((now - dt.timedelta(days=60)).astimezone(OSLO).date())
        round_ = Round.objects.create(
            scheme=community.scheme,
            name=names.LETTERS.format(stamp=f"{now:%Y-%m-%d %H:%M:%S}"),
            opens_at=closes_at - dt.timedelta(days=60),
            closes_at=closes_at,
            budget=Decimal(1),
            max_amount=applications.MAX_AMOUNT,
        )
        round_fill = RoundFill(round=round_, kind=DECIDED)
        community.rounds = [round_fill]
        for _ in range(letters):
            owner = rng.choice(community.users[names.APPLICANT])
            path = [Application.Status.SUBMITTED, Application.Status.COMPLETE]
            round_fill.cases.append(
                applications.plan_case(state, community, round_fill, owner, path=path)
            )
        applications.plan_decisions(state, round_fill)
        applications.insert(state)
        committee.decide(state)
    return round_fill


class MemoryWatch:
    """Samples the process's resident memory every ``interval`` seconds in a thread."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        process = psutil.Process()
        began = time.monotonic()
        while not self._stop.is_set():
            self.samples.append((time.monotonic() - began, process.memory_info().rss))
            self._stop.wait(self.interval)

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def at(self, fraction: float) -> int:
        """Resident memory at ``fraction`` of the watched time."""
        end = self.samples[-1][0]
        return next(rss for t, rss in self.samples if t >= fraction * end)


MB = 1024 * 1024


def run(*, slug: str, letters: int, single: int, log: Callable[[str], None] = print) -> dict:
    began = time.perf_counter()
    round_fill = decided_round(slug, letters)
    round_ = round_fill.round
    log(f"  round {round_.pk} with {letters} decisions made in {time.perf_counter() - began:.1f} s")
    community = round_.scheme.community
    today = timezone.localdate()
    with scope(community=community):
        items = letter_items(round_)
        began = time.perf_counter()
        letter_pdf(items[0], issued_on=today)
        cold = time.perf_counter() - began
        times, sizes = [], []
        for item in items[:single]:
            began = time.perf_counter()
            sizes.append(len(letter_pdf(item, issued_on=today)))
            times.append(time.perf_counter() - began)
        secretariat = User.objects.get(email=names.email(names.SECRETARIAT, slug))
        batch = LetterBatch.objects.create(round=round_, requested_by=secretariat)
    log(f"  one letter: median {statistics.median(times):.3f} s; now the batch of {len(items)}")
    rss_before = psutil.Process().memory_info().rss
    with MemoryWatch() as memory:
        began = time.perf_counter()
        letters_issue(community.pk, batch.pk)  # the Celery task's body, in this process
        batch_seconds = time.perf_counter() - began
    with scope(community=community):
        batch.refresh_from_db()
        zip_bytes = batch.file.size if batch.file else 0
    peak = max(rss for _t, rss in memory.samples)
    return {
        "community": slug,
        "round": round_.pk,
        "letters": len(items),
        "granted": sum(1 for i in items if i.granted),
        "one_letter": {
            "first_s": round(cold, 3),
            "median_s": round(statistics.median(times), 3),
            "p95_s": round(percentile(times, 95), 3),
            "max_s": round(max(times), 3),
            "measured": len(times),
            "pdf_kb": round(statistics.mean(sizes) / 1024, 1),
        },
        "batch": {
            "status": batch.status,
            "done": batch.done,
            "seconds": round(batch_seconds, 1),
            "per_letter_s": round(batch_seconds / max(1, len(items)), 3),
            "zip_kb": round(zip_bytes / 1024),
            "error": batch.error,
        },
        "memory_mb": {
            "before": round(rss_before / MB),
            "at 25%": round(memory.at(0.25) / MB),
            "at 50%": round(memory.at(0.5) / MB),
            "at 75%": round(memory.at(0.75) / MB),
            "end": round(memory.samples[-1][1] / MB),
            "peak": round(peak / MB),
            "peak_growth": round((peak - rss_before) / MB),
            "max_rss_of_process": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        },
    }
