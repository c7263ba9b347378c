from django.core.management.base import BaseCommand, CommandError

from bench import loadrun, results

# Issue 7's targets for the load test.
P95_TARGET_MS = {"applicant: save draft": 200, "committee: save scores": 200}


class Command(BaseCommand):
    help = (
        "Load test: gunicorn on 127.0.0.1 with the bench settings, locust headless (the trivial "
        "view alone, then applicants, committee and secretariat), then the nothing-lost check. "
        "Writes bench/results/load.json and .md."
    )

    def add_arguments(self, parser):
        defaults = loadrun.LoadConfig()
        for name in ("applicants", "committee", "secretariat", "seconds", "workers"):
            parser.add_argument(f"--{name}", type=int, default=getattr(defaults, name))
        parser.add_argument("--ping-seconds", type=int, default=defaults.ping_seconds)
        parser.add_argument(
            "--settle",
            type=int,
            default=defaults.settle,
            help="Seconds after the last user started (and logged in) before measuring.",
        )
        parser.add_argument("--spawn-rate", type=float, default=defaults.spawn_rate)
        parser.add_argument("--wait-min", type=float, default=defaults.wait_min)
        parser.add_argument("--wait-max", type=float, default=defaults.wait_max)
        parser.add_argument(
            "--label", default="", help="Results as load-LABEL.json/.md (another scenario)."
        )
        parser.add_argument(
            "--no-celery-worker",
            action="store_true",
            help="Leave the queued e-mails in Redis instead of running a worker beside gunicorn.",
        )

    def handle(self, *args, **options):
        config = loadrun.LoadConfig(
            applicants=options["applicants"],
            committee=options["committee"],
            secretariat=options["secretariat"],
            seconds=options["seconds"],
            spawn_rate=options["spawn_rate"],
            settle=options["settle"],
            ping_seconds=options["ping_seconds"],
            workers=options["workers"],
            wait_min=options["wait_min"],
            wait_max=options["wait_max"],
            celery_worker=not options["no_celery_worker"],
        )
        try:
            result = loadrun.run(config, log=self.stdout.write)
        except loadrun.LoadSetupError as error:
            raise CommandError(str(error)) from None
        result["verdict"] = verdict(result)
        result["code"] = results.code_version()
        name = f"load-{options['label']}" if options["label"] else "load"
        results.write_json(name, result)
        text = markdown(result, options["label"])
        results.write_text(f"{name}.md", text)
        self.stdout.write(text)


def _aggregated(stats: dict) -> dict:
    return next(e for e in stats["endpoints"] if e["name"] == "Aggregated")


def verdict(result: dict) -> list[str]:
    misses = []
    mixed = result["mixed"]
    failures = _aggregated(mixed)["failures"]
    if failures:
        misses.append(f"{failures} failed requests")
    lost = result["nothing_lost"]["lost_or_duplicated"]
    if lost:
        misses.append(f"{lost} acknowledged writes lost or duplicated")
    for endpoint in mixed["endpoints"]:
        target = P95_TARGET_MS.get(endpoint["name"])
        if target and (endpoint["p95_ms"] or 0) > target:
            misses.append(f"{endpoint['name']}: p95 {endpoint['p95_ms']:.0f} ms > {target}")
    return misses


def markdown(result: dict, label: str = "") -> str:
    ping = _aggregated(result["ping"])
    floor = _aggregated(result["ping_1_user"])
    base = floor["p50_ms"] or 1
    mixed = result["mixed"]
    rows = []
    for e in mixed["endpoints"]:
        if not e["requests"]:  # e.g. the log-ins, all before the measured minute
            continue
        rows.append(
            [
                e["name"],
                e["requests"],
                e["failures"],
                e["rps"],
                e["p50_ms"],
                e["p95_ms"],
                e["p99_ms"],
                e["max_ms"],
                f"{(e['p50_ms'] or 0) / base:.0f}×",
            ]
        )
    config = result["config"]
    lost = result["nothing_lost"]
    acknowledged = ", ".join(f"{v} {k}" for k, v in lost["acknowledged"].items())
    cpu = ", ".join(f"{k} {v}" for k, v in result.get("cpu", {}).items())
    return (
        f"# Load test{f' ({label})' if label else ''}\n\n"
        f"Code {result.get('code', results.code_version())}. "
        f"{result.get('applications')} applications; gunicorn with {config['workers']} sync "
        "workers on 127.0.0.1, PostgreSQL, Redis; "
        f"{result['users']} users ({config['applicants']} applicants, {config['committee']} "
        f"committee members, {config['secretariat']} secretariat), think time "
        f"{config['wait_min']}–{config['wait_max']} s; users started at {config['spawn_rate']}/s "
        f"(each logs in), then {config['settle']} s to settle, then {config['seconds']} s "
        "measured.\n\n"
        "## The ceiling: the trivial view on the same gunicorn\n\n"
        + results.table(
            ["run", "requests/s", "p50 ms", "p95 ms", "p99 ms", "failures"],
            [
                [
                    "1 user, no think time",
                    floor["rps"],
                    floor["p50_ms"],
                    floor["p95_ms"],
                    floor["p99_ms"],
                    floor["failures"],
                ],
                [
                    f"{result['users']} users, no think time",
                    ping["rps"],
                    ping["p50_ms"],
                    ping["p95_ms"],
                    ping["p99_ms"],
                    ping["failures"],
                ],
            ],
        )
        + "\n## The mix\n\n"
        + results.table(
            [
                "endpoint",
                "requests",
                "failures",
                "req/s",
                "p50 ms",
                "p95 ms",
                "p99 ms",
                "max ms",
                "p50 / ping p50",
            ],
            rows,
        )
        + (
            "\nFailures: "
            + "; ".join(f"{f['name']}: {f['error']} ×{f['count']}" for f in mixed["failures"])
            + "\n"
            if mixed["failures"]
            else ""
        )
        + f"\nThroughput: {_aggregated(mixed)['rps']} requests/s = "
        f"{_aggregated(mixed)['rps'] / (ping['rps'] or 1):.1%} of the trivial view's "
        f"{ping['rps']} requests/s.\n\n"
        f"CPU during the mix (cores): {cpu}. Busy before the mix (other work on the machine): "
        f"{result.get('busy_before')} cores.\n\n"
        f"## Nothing lost\n\nAcknowledged: {acknowledged}. Lost or duplicated: "
        f"{lost['lost_or_duplicated']}.\n"
        + "".join(f"- {p}\n" for p in lost["problems"])
        + "\n## Targets\n\n"
        + ("".join(f"- ✗ {m}\n" for m in result["verdict"]) or "All met.\n")
    )
