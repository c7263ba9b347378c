"""Test helpers the later stages reuse."""

import datetime as dt
from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from tilskot.models import Round


def count_queries(fetch: Callable[[], object]) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as ctx:
        result = fetch()
    return len(ctx.captured_queries), result


def assert_queries_do_not_grow(
    fetch: Callable[[], object], grow: Callable[[int], object], *, sizes: tuple[int, ...] = (1, 10)
) -> int:
    """Assert that ``fetch()`` runs the same number of SQL queries however many objects
    ``grow(n)`` has added, and return that number. ``grow`` is called with how many objects to
    add before each measurement (cumulative sizes), ``fetch`` must return a response or value.

    Usage::

        n = assert_queries_do_not_grow(
            lambda: client.get(url), lambda k: RoundFactory.create_batch(k, scheme=scheme)
        )
    """
    counts = []
    total = 0
    for size in sizes:
        grow(size - total)
        total = size
        queries, response = count_queries(fetch)
        status = getattr(response, "status_code", 200)
        assert status == 200, f"fetch answered {status} with {size} objects"
        counts.append(queries)
    assert len(set(counts)) == 1, (
        f"query count grows with the number of objects: {dict(zip(sizes, counts, strict=True))}"
    )
    return counts[0]


def pdf_text(content: bytes) -> tuple[str, int]:
    """The text of every page of a PDF, and the number of pages. Every kind of space (the
    no-break space in "1 234 kr", the narrow one between digit groups) reads as a plain
    space: how pypdf extracts them differs between its versions, what a reader sees does not."""
    import io
    import re

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return re.sub(r"[\u00a0\u202f\u2009]", " ", text), len(reader.pages)


def close_round(round_: Round) -> Round:
    """The round's deadline passed a minute ago: what its recommendation and decision wait for
    (``komite.rules.waiting_for_deadline``). Returns the round, refreshed."""
    with scopes_disabled():
        Round.objects.filter(pk=round_.pk).update(
            closes_at=timezone.now() - dt.timedelta(minutes=1)
        )
    round_.refresh_from_db(fields=["closes_at"])
    return round_
