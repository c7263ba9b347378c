from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import pages, results, world


class Command(BaseCommand):
    help = (
        "Measure every key page (queries, median and p95 server time, size) on the world "
        "bench_fill made. Writes bench/results/pages-N.json and .md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--community", default="bergen", help="Whose pages (slug).")
        parser.add_argument("--repeat", type=int, default=30, help="Timed requests per page.")
        parser.add_argument("--warmup", type=int, default=3)
        parser.add_argument("--only", default="", help="Only pages whose name contains this.")
        parser.add_argument(
            "--details",
            action="store_true",
            help="Also keep every page's queries, its slowest query's plan and a profile of one "
            "request (details-N.md).",
        )

    def handle(self, *args, **options):
        try:
            w = world.find(options["community"])
        except world.WorldMissingError as error:
            raise CommandError(str(error)) from None
        n = world.applications_filled()
        busy = machine_busy()
        self.stdout.write(f"Pages of {w.slug} with {n} applications:")
        measured = pages.run(
            w,
            n=n,
            repeat=options["repeat"],
            warmup=options["warmup"],
            only=options["only"],
            with_details=options["details"],
            log=self.stdout.write,
        )
        data = {
            "applications": n,
            "community": w.slug,
            "database": connection.vendor,
            "repeat": options["repeat"],
            "busy_before": busy,
            "sizes": world.sizes(w),
            "pages": measured,
        }
        name = f"pages-{n}" + (f"-{options['only']}" if options["only"] else "")
        if options["details"]:
            results.write_text(f"details-{n}.md", details_markdown(data))
            for page in measured:
                for key in ("all_queries", "profile", "plan"):
                    page.pop(key, None)
        data = {"code": results.code_version(), **data}
        results.write_json(name, data)
        results.write_text(f"{name}.md", markdown(data))
        misses = sum(1 for page in measured if page["misses"])
        self.stdout.write(f"{len(measured)} pages, {misses} missing a target → bench/results/")


def machine_busy(seconds: float = 2, settle: float = 60) -> float:
    """Cores busy with other work on the machine just before measuring (timings taken while
    something else runs are slower than the machine can do). Waits up to ``settle`` seconds
    for it to calm down (e.g. autovacuum after a fill)."""
    import time

    import psutil

    deadline = time.monotonic() + settle
    while True:
        before = psutil.cpu_times()
        time.sleep(seconds)
        after = psutil.cpu_times()
        busy = round(((sum(after) - after.idle) - (sum(before) - before.idle)) / seconds, 2)
        if busy < 0.3 or time.monotonic() > deadline:
            return busy


def markdown(data: dict) -> str:
    sizes = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in data["sizes"].items())
    rows = [
        [
            p["page"],
            p["kind"],
            p["queries"],
            p["sql_ms"],
            p["median_ms"],
            p["p95_ms"],
            f"{p['bytes'] / 1024:.1f}",
            "; ".join(p["misses"]) or "✓",
        ]
        for p in data["pages"]
    ]
    return (
        f"# Pages at {data['applications']} applications ({data['community']}, "
        f"{data['database']}, {data['repeat']} timed requests each)\n\nCode {data['code']}. "
        f"{sizes}. Cores busy "
        f"with other work before the run: {data['busy_before']}.\n\n"
        + results.table(
            ["page", "kind", "queries", "SQL ms", "median ms", "p95 ms", "KB", "targets"],
            rows,
            "llrrrrrl",
        )
    )


def details_markdown(data: dict) -> str:
    parts = [f"# Queries, plans and profiles at {data['applications']} applications\n"]
    for page in data["pages"]:
        parts.append(f"\n## {page['page']} ({page['queries']} queries)\n\n```\n")
        parts.append("\n".join(page.get("all_queries", [])))
        parts.append("\n```\n")
        if page.get("plan"):
            parts.append(f"\nPlan of the slowest query:\n\n```\n{page['plan']}\n```\n")
        parts.append(f"\nOne request, by own time:\n\n```\n{page.get('profile', '')}```\n")
    return "".join(parts)
