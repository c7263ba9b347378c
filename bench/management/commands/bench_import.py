"""The member import of issue 14 at its largest: a CSV of MAX_ROWS organisations read, checked
(the preview) and saved, then the same file again (nothing changes), with time, SQL queries and
the Python memory it takes. A community of its own (``bench-import``), deleted before and after.
"""

import time
import tracemalloc

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django_scopes import scope, scopes_disabled

from bench import results
from tilskot.member_import import (
    MAX_ROWS,
    organisations_import,
    organisations_parse_csv,
    organisations_plan,
)
from tilskot.models import Community, Organisation
from tilskot.onboarding import community_create
from tilskot.validators import org_number_check_digit

SLUG = "bench-import"
TARGET_S = 5.0  # a preview and an import of the largest file, each, on one request


def org_numbers(start: int = 1000):
    """Valid organisation numbers (mod 11, as the register checks them), one after another."""
    n = start
    while True:
        first = f"9{n:07d}"
        check = org_number_check_digit(first)
        if check is not None:
            yield f"{first}{check}"
        n += 1


def csv_file(rows: int, numbers) -> bytes:
    lines = ["navn;organisasjonsnummer;type;kommunenummer"]
    lines += [f"Organisasjon {i + 1};{next(numbers)};annen;" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode("cp1252")


def measured(step):
    """The step's peak Python memory, from a run rolled back (tracing memory slows Python
    several times over: never while timing), then its time and SQL queries in a run of its
    own."""
    peak_mb = peak_memory(step)
    queries = [0]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        value = step()
        seconds = time.perf_counter() - started
    return value, {"seconds": round(seconds, 3), "queries": queries[0], "peak_mb": peak_mb}


def peak_memory(step) -> float:
    tracemalloc.start()
    try:
        with transaction.atomic():
            step()
            transaction.set_rollback(True)
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return round(peak / 2**20, 1)


class Command(BaseCommand):
    help = (
        "The member import at its largest (MAX_ROWS rows): read, preview, import, import again. "
        "Writes bench/results/import.json and .md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=MAX_ROWS)

    def handle(self, *args, **options):
        rows = options["rows"]
        numbers = org_numbers()
        with scopes_disabled():
            Organisation.objects.filter(community__slug=SLUG).delete()
            Community.objects.filter(slug=SLUG).delete()
        community = community_create(
            fields={
                "slug": SLUG,
                "name": "Benk for import",
                "language": "nb",
                "assessing_body": "Komiteen",
                "decision_body": "SSU",
            },
            hospital_trust={"name": "Benk HF", "org_number": next(numbers)},
            units=[],
            scheme_name="",
            national_priorities=False,
        )
        data = csv_file(rows, numbers)
        steps = {}
        parsed, steps["read the file"] = measured(lambda: organisations_parse_csv(data))
        with scope(community=community):
            plan, steps["preview (every row checked)"] = measured(
                lambda: organisations_plan(community=community, rows=parsed)
            )
            errors, steps["import (saved)"] = measured(
                lambda: organisations_import(community=community, rows=parsed, save=True)
            )
            again, steps["the same file again (nothing changes)"] = measured(
                lambda: organisations_plan(community=community, rows=parsed)
            )
            saved = Organisation.objects.filter(community=community).count()
        with scopes_disabled():
            Organisation.objects.filter(community=community).delete()
            community.delete()
        result = {
            "rows": rows,
            "kilobytes": round(len(data) / 1024, 1),
            "errors": len(plan.errors) + len(errors),
            "saved": saved,
            "unchanged_on_second_read": sum(1 for p in again.rows if p.action == "unchanged"),
            "steps": steps,
        }
        result["misses"] = [
            f"{name}: {step['seconds']} s > {TARGET_S}"
            for name, step in steps.items()
            if step["seconds"] > TARGET_S
        ]
        if result["errors"] or saved != rows + 1:
            result["misses"].append(f"{result['errors']} errors, {saved} of {rows + 1} saved")
        results.write_json("import", result)
        text = markdown(result)
        results.write_text("import.md", text)
        self.stdout.write(text)


def markdown(result: dict) -> str:
    return (
        f"# Member import ({result['rows']} rows, {result['kilobytes']} KB)\n\n"
        f"Code {result.get('code', results.code_version())}. {result['saved']} organisations "
        f"saved (with the trust), {result['unchanged_on_second_read']} unchanged when the same "
        f"file is read again. Target: each step under {TARGET_S} s.\n\n"
        + results.table(
            ["step", "seconds", "SQL queries", "peak Python memory (MB)"],
            [
                [name, step["seconds"], step["queries"], step["peak_mb"]]
                for name, step in result["steps"].items()
            ],
        )
        + ("\nMisses: " + "; ".join(result["misses"]) + "\n" if result["misses"] else "")
    )
