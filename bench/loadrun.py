"""Running the load test: gunicorn (and a Celery worker) on 127.0.0.1 with the bench settings,
locust headless for a bounded time — first the trivial view alone (the ceiling), then the mix of
``bench/load.py`` — and afterwards the check that nothing acknowledged was lost.

Every process started here is stopped here, by its own process id.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import psutil
from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_scopes import scopes_disabled

from komite.models import ConflictDeclaration, Membership
from soknad.models import Application
from soknad.rules import application_missing
from tilskot.models import Criterion, User

from . import lost
from . import world as names

BENCH = Path(__file__).resolve().parent
VAR = Path(settings.BASE_DIR) / "bench" / "var" / "load"
BIN = Path(sys.executable).parent


@dataclass
class LoadConfig:
    applicants: int = 25
    committee: int = 15
    secretariat: int = 10
    seconds: int = 60  # the measured, steady part of the mixed run
    spawn_rate: float = 5  # users started per second (each logs in: PBKDF2 costs ~0.25 s)
    settle: int = 15  # seconds after the last user started before the statistics start
    ping_seconds: int = 20
    workers: int = 4
    wait_min: float = 0.5
    wait_max: float = 2.0
    celery_worker: bool = True

    @property
    def users(self) -> int:
        return self.applicants + self.committee + self.secretariat


class LoadSetupError(RuntimeError):
    """The load test cannot run as configured (the message says why)."""


# --- the manifest: who logs in and what they work on ---------------------------------------


def _round_robin(groups: list[list[dict]]) -> list[dict]:
    """Accounts of all communities interleaved, so that the first users spread over them."""
    return [a for batch in zip(*groups, strict=False) for a in batch] + [
        a for g in groups for a in g[min(len(x) for x in groups) :]
    ]


def manifest(config: LoadConfig) -> dict:
    applicants, committee, secretariat = [], [], []
    now = timezone.now()
    with scopes_disabled():
        for slug in names.slugs():
            w = names.find(slug)
            if not w.open_round.opens_at <= now < w.open_round.closes_at:
                raise LoadSetupError(f"{slug}'s open round is closed: fill again (bench_fill).")
            group = []
            for user in User.objects.filter(
                email__startswith=f"{names.LOAD_APPLICANT}-",
                email__endswith=f".{slug}@{names.DOMAIN}",
            ).order_by("pk"):
                drafts = list(
                    Application.objects.filter(
                        round=w.open_round, owner=user, status=Application.Status.DRAFT
                    )
                    .select_related("round__scheme", "responsible_organisation")
                    .order_by("pk")
                )
                ready = [a.pk for a in drafts if not application_missing(a)]
                working = [a.pk for a in drafts if a.pk not in ready] or ready[:1]
                if working:
                    group.append(
                        {
                            "email": user.email,
                            "community": slug,
                            "working": working[0],
                            "ready": [pk for pk in ready if pk != working[0]],
                        }
                    )
            applicants.append(group)
            criteria = [
                {"id": c.pk, "kind": c.kind, "min": c.score_min, "max": c.score_max}
                for c in Criterion.objects.filter(scheme=w.scheme).order_by("order", "pk")
            ]
            group = []
            for member in Membership.objects.filter(round=w.review_round).select_related("user"):
                open_to_them = list(
                    ConflictDeclaration.objects.filter(
                        member=member,
                        has_conflict=False,
                        application__status=Application.Status.COMPLETE,
                    ).values_list("application_id", flat=True)
                )
                if open_to_them:
                    group.append(
                        {
                            "email": member.user.email,
                            "community": slug,
                            "round": w.review_round.pk,
                            "applications": open_to_them,
                            "criteria": criteria,
                        }
                    )
            committee.append(group)
            in_table = list(
                Application.objects.filter(round=w.review_round)
                .exclude(status=Application.Status.DRAFT)
                .values_list("pk", flat=True)
            )
            secretariat.append(
                [
                    {
                        "email": names.email(names.SECRETARIAT, slug, k),
                        "community": slug,
                        "round": w.review_round.pk,
                        "pages": max(1, -(-len(in_table) // 50)),
                        "applications": in_table[:500],
                    }
                    for k in (1, 2, 3)
                ]
            )
    result = {
        "password": names.PASSWORD,
        "applicants": _round_robin(applicants),
        "committee": _round_robin(committee),
        "secretariat": _round_robin(secretariat),
    }
    # Two locust users on one applicant or member account would race each other's saves, and
    # "the last acknowledged save is the one kept" could not be checked.
    for role, wanted in (("applicants", config.applicants), ("committee", config.committee)):
        if len(result[role]) < wanted:
            raise LoadSetupError(
                f"{wanted} {role} wanted, the world has {len(result[role])}: fill with more "
                "--load-applicants, or run fewer users."
            )
    return result


# --- processes -----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _check_environment() -> str:
    if settings.DEBUG:
        raise LoadSetupError("Run the load test with DEBUG=0 (bench/run.sh sets it).")
    if connection.vendor != "postgresql":
        raise LoadSetupError("The load test needs PostgreSQL (DATABASE_URL).")
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://") or broker.rstrip("/").endswith("/0"):
        raise LoadSetupError(
            "Set CELERY_BROKER_URL to a Redis database of the benchmark's own, not db 0 "
            "(e.g. redis://127.0.0.1:6379/5)."
        )
    return broker


def _flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()  # the benchmark's own database (checked above)


def _wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise LoadSetupError(f"gunicorn did not answer {url} within {seconds} s")


def _stop(process: subprocess.Popen | None) -> None:
    """Stop a process this module started, and wait for it (its workers stop with it)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _tree(process: subprocess.Popen) -> list[psutil.Process]:
    try:
        parent = psutil.Process(process.pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(processes: list[psutil.Process]) -> dict[int, float]:
    seconds = {}
    for p in processes:
        try:
            times = p.cpu_times()
            seconds[p.pid] = times.user + times.system
        except psutil.Error:
            pass
    return seconds


def _postgres() -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]


# --- locust --------------------------------------------------------------------------------


def locust(
    classes: list[str],
    *,
    url: str,
    users: int,
    spawn_rate: float,
    seconds: int,
    name: str,
    env: dict,
) -> dict:
    """Run locust headless, bounded in time; return its statistics per endpoint and the CPU
    seconds locust itself used."""
    prefix = VAR / name
    command = [
        str(BIN / "locust"),
        "-f",
        str(BENCH / "load.py"),
        "--headless",
        "--host",
        url,
        "-u",
        str(users),
        "-r",
        str(spawn_rate),
        "-t",
        f"{seconds}s",
        "--stop-timeout",
        "10",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        *classes,
    ]
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (VAR / f"{name}.log").open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (our own command line)
            command, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            process.wait(timeout=seconds + 180)
        finally:
            _stop(process)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    stats = parse_stats(prefix)
    stats["cpu_seconds"] = round(
        after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime, 1
    )
    return stats


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def parse_stats(prefix: Path) -> dict:
    endpoints = []
    with Path(f"{prefix}_stats.csv").open() as f:
        for row in csv.DictReader(f):
            endpoints.append(
                {
                    "name": row["Name"],
                    "method": row["Type"],
                    "requests": int(row["Request Count"]),
                    "failures": int(row["Failure Count"]),
                    "rps": round(_number(row["Requests/s"]) or 0, 1),
                    "p50_ms": _number(row["50%"]),
                    "p95_ms": _number(row["95%"]),
                    "p99_ms": _number(row["99%"]),
                    "max_ms": round(_number(row["Max Response Time"]) or 0),
                    "avg_bytes": round(_number(row["Average Content Size"]) or 0),
                }
            )
    failures = []
    with Path(f"{prefix}_failures.csv").open() as f:
        failures = [
            {"name": r["Name"], "error": r["Error"], "count": int(r["Occurrences"])}
            for r in csv.DictReader(f)
        ]
    return {"endpoints": endpoints, "failures": failures}


# --- the run -------------------------------------------------------------------------------


def run(config: LoadConfig, *, log: Callable[[str], None] = print) -> dict:
    broker = _check_environment()
    if VAR.exists():
        shutil.rmtree(VAR)
    VAR.mkdir(parents=True)
    (VAR / "manifest.json").write_text(json.dumps(manifest(config)))
    acks = VAR / "acks"
    env = {
        **os.environ,
        "BENCH_MANIFEST": str(VAR / "manifest.json"),
        "BENCH_ACK_DIR": str(acks),
        "BENCH_APPLICANTS": str(config.applicants),
        "BENCH_COMMITTEE": str(config.committee),
        "BENCH_SECRETARIAT": str(config.secretariat),
        "BENCH_WAIT_MIN": str(config.wait_min),
        "BENCH_WAIT_MAX": str(config.wait_max),
        "BENCH_SETTLE": str(config.settle),
    }
    manage = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py")]
    log("Collecting static files ...")
    subprocess.run(  # noqa: S603 (our own command line)
        [*manage, "collectstatic", "--no-input", "-v0"], env=env, check=True
    )
    _flush_redis(broker)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = worker = None
    result: dict = {
        "config": asdict(config),
        "users": config.users,
        "url": url,
        "applications": names.applications_filled(),
    }
    try:
        server = subprocess.Popen(  # noqa: S603 (our own command line)
            [
                str(BIN / "gunicorn"),
                "tilskot.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(config.workers),
                "--timeout",
                "60",
                "--error-logfile",
                str(VAR / "gunicorn.log"),
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        if config.celery_worker:
            worker = subprocess.Popen(  # noqa: S603 (our own command line)
                [str(BIN / "celery"), "-A", "tilskot", "worker", "-c", "1", "-l", "WARNING"],
                env=env,
                cwd=settings.BASE_DIR,
                stdout=(VAR / "celery.log").open("w"),
                stderr=subprocess.STDOUT,
            )
        _wait_until_up(f"{url}/bench/ping/")
        log(f"gunicorn ({config.workers} workers) on {url}; the ceiling first ...")
        common = {"url": url, "env": env}
        result["ping_1_user"] = locust(
            ["Ping"], users=1, spawn_rate=1, seconds=15, name="ping-1", **common
        )
        result["ping"] = locust(
            ["Ping"],
            users=config.users,
            spawn_rate=config.users,
            seconds=config.ping_seconds,
            name="ping",
            **common,
        )
        ramp = int(config.users / config.spawn_rate) + 1
        log(
            f"The mix: {config.users} users for {config.seconds} s after a {ramp} s ramp and "
            f"{config.settle} s to settle ..."
        )
        watched = {
            "gunicorn": _tree(server),
            "celery": _tree(worker) if worker else [],
            "postgres": _postgres(),
        }
        result["busy_before"] = _machine_busy(seconds=3)
        began = {
            "cpu": {group: _cpu(processes) for group, processes in watched.items()},
            "machine": psutil.cpu_times(),
            "at": time.monotonic(),
        }
        result["mixed"] = locust(
            ["Applicant", "CommitteeMember", "Secretariat"],
            users=config.users,
            spawn_rate=config.spawn_rate,
            seconds=config.seconds + ramp + config.settle,
            name="mixed",
            **common,
        )
        result["cpu"] = _cpu_report(watched, began, locust_seconds=result["mixed"]["cpu_seconds"])
    finally:
        _stop(server)
        _stop(worker)
    log("Checking that nothing acknowledged was lost ...")
    result["nothing_lost"] = lost.nothing_lost(acks)
    return result


def _machine_busy(*, seconds: float) -> float:
    """Cores busy on the machine right now (before the mix: anything else running here)."""
    before = psutil.cpu_times()
    time.sleep(seconds)
    after = psutil.cpu_times()
    busy = (sum(after) - after.idle) - (sum(before) - before.idle)
    return round(busy / seconds, 2)


def _cpu_report(
    watched: dict[str, list[psutil.Process]], began: dict, *, locust_seconds: float
) -> dict:
    """Cores used during the mixed run by gunicorn, the Celery worker, PostgreSQL (every
    backend on the machine) and locust itself, and by everything else on the machine."""
    wall = time.monotonic() - began["at"]
    used = {}
    for group, processes in watched.items():
        if group == "postgres":  # backends opened during the run count from their start
            processes = _postgres()
        before, after = began.get("cpu", {}).get(group, {}), _cpu(processes)
        used[group] = round(sum(t - before.get(pid, 0) for pid, t in after.items()) / wall, 2)
    used["locust"] = round(locust_seconds / wall, 2)
    now, machine = psutil.cpu_times(), began["machine"]
    busy = (sum(now) - now.idle) - (sum(machine) - machine.idle)
    used["everything else"] = round(busy / wall - sum(used.values()), 2)
    used["machine"] = round(busy / wall, 2)
    used["cores"] = psutil.cpu_count()
    return used
