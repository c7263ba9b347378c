from django.core.management.base import BaseCommand

from bench import results

from . import bench_load, bench_pdf

PAGE_SIZES = (100, 1_000, 10_000)


class Command(BaseCommand):
    help = (
        "Gather bench/results/*.json into bench/results/summary.md: fill times, every page at "
        "each N side by side, the load test and the decision letters."
    )

    def handle(self, *args, **options):
        parts = [
            "# Benchmark results\n\nMade by `manage.py bench_report` from the JSON beside it.\n"
        ]
        codes = sorted(
            {
                data["code"]
                for path in results.RESULTS.glob("*.json")
                if (data := results.read_json(path.stem)) and "code" in data
            }
        )
        parts.append(f"Code measured: {', '.join(codes)}.\n")
        parts.append(fill_section())
        parts.append(pages_section())
        # The load tests and the letters, written again from their JSON (so that a change of
        # layout needs no new run).
        for path in sorted(results.RESULTS.glob("load*.json")):
            data = results.read_json(path.stem)
            label = path.stem.removeprefix("load").removeprefix("-")
            text = bench_load.markdown(data, label)
            results.write_text(f"{path.stem}.md", text)
            parts.append("\n" + demote(text))
        if (data := results.read_json("pdf")) is not None:
            text = bench_pdf.markdown(data)
            results.write_text("pdf.md", text)
            parts.append("\n" + demote(text))
        path = results.write_text("summary.md", "\n".join(parts))
        self.stdout.write(f"→ {path}")


def demote(markdown: str) -> str:
    """Every heading one level down, to sit under the summary's own."""
    return "\n".join("#" + line if line.startswith("#") else line for line in markdown.split("\n"))


def fill_section() -> str:
    rows = []
    for n in PAGE_SIZES:
        data = results.read_json(f"fill-{n}")
        if data is None:
            continue
        counts = data["counts"]
        rows.append(
            [
                n,
                data["seconds"]["total"],
                data["seconds"]["applications"],
                data["seconds"]["committee"],
                sum(counts.values()),
                counts["Application"],
                counts["Score"],
                data["largest_round"].get("review", ""),
                data["fingerprint"],
            ]
        )
    return "\n## Fill (bench_fill)\n\n" + results.table(
        [
            "N",
            "total s",
            "applications s",
            "committee s",
            "rows",
            "applications (+ load drafts)",
            "scores",
            "largest round under review",
            "fingerprint",
        ],
        rows,
    )


def pages_section() -> str:
    runs = {n: results.read_json(f"pages-{n}") for n in PAGE_SIZES}
    runs = {n: data for n, data in runs.items() if data}
    if not runs:
        return ""
    names = list(dict.fromkeys(p["page"] for data in runs.values() for p in data["pages"]))
    by = {n: {p["page"]: p for p in data["pages"]} for n, data in runs.items()}
    rows = []
    for name in names:
        measured = [by[n].get(name) for n in runs]
        kind = next(p["kind"] for p in measured if p)
        queries = [p["queries"] if p else "–" for p in measured]
        # Only a list's query count must not grow; a case view is one (the fullest) application.
        steady = (
            ("✓" if len(set(queries)) == 1 else "✗ grows") if kind in ("list", "export") else ""
        )
        times = [f"{p['median_ms']:.0f} / {p['p95_ms']:.0f}" if p else "–" for p in measured]
        misses = sorted({m for n in runs if name in by[n] for m in by[n][name]["misses"]})
        last = measured[-1]
        rows.append(
            [
                name,
                kind,
                " / ".join(map(str, queries)),
                steady,
                *times,
                f"{last['bytes'] / 1024:.0f}" if last else "–",
                "; ".join(misses) or "✓",
            ]
        )
    sizes = list(runs)
    return (
        f"\n## Pages (bench_pages) at N = {', '.join(map(str, sizes))}\n\n"
        "Queries per request; server time median / p95 in ms of repeated requests through "
        "Django's test client; KB at the largest N.\n\n"
        + results.table(
            [
                "page",
                "kind",
                "queries",
                "steady",
                *[f"ms @{n}" for n in sizes],
                f"KB @{sizes[-1]}",
                "targets missed",
            ],
            rows,
            "ll" + "r" * (3 + len(sizes)) + "l",
        )
    )
