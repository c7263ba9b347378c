"""`make screenshots`: the key pages (issue 13's ten, then issue 14's rules pages and the
operator's new community) as full-page PNGs, at 375 px (a phone) and 1280 px (a laptop), in
nynorsk (Bergen) and bokmål (Østfold), in screenshots/ (ignored by git).

It starts Tilskot on the embedded default in a temporary folder of its own (SQLite, tasks run
in-process, e-mail dropped, uploads there too): migrate, load_reference, load_demo, then adds
what the demo leaves out (a draft with a budget, a committee member's declaration and scores,
an accepted grant) through the services, starts `runserver` on a free port and has Debian's
Chromium (CHROMIUM_PATH, default /usr/bin/chromium; the same as the browser tests) log in as
the demo person each page is for. Nothing outside the temporary folder and screenshots/ is
touched: never the database of DATABASE_URL, never db.sqlite3.

A script rather than a management command: it must choose the database before Django reads its
settings, and it needs Playwright, which only the development install has.

    .venv/bin/python -m tests.screenshots [--out DIR] [--only bergen|ostfold]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = (375, 1280)
PASSWORD = "tilskot-demo"  # tilskot.demo.DEMO_PASSWORD (imported only after the setup)
COMMUNITIES = {"bergen": "nn", "ostfold": "nb"}  # slug: the language of its screenshots


@dataclass
class Shot:
    number: int
    name: str
    path: str
    who: str  # "" (nobody logged in) or the demo role address: soker, sekretariat, komite


def environment(folder: Path) -> dict[str, str]:
    """The embedded default, in ``folder``: whatever the shell says about databases, brokers
    and mail is left out."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL", "MEDIA_ROOT"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tilskot.settings",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        EMAIL_URL="dummymail://",
        MEDIA_ROOT=str(folder / "media"),
        DEBUG="1",
        STAFF_STRONG_LOGIN_REQUIRED="0",
    )
    return env


def prepare() -> dict[str, list[Shot]]:
    """Fill the database (the environment is already set) and name the pages to take."""
    import django

    django.setup()
    logging.disable(logging.WARNING)  # the demo's notifications and audit lines: not news here
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone
    from django_scopes import scope

    from komite import services as committee
    from komite.demo import DECIDED_ROUND, REVIEW_ROUND
    from soknad import services as applications
    from soknad.models import Application, BudgetLine
    from tilskot.demo import demo_email
    from tilskot.models import Community, Round, User
    from tilskot.roles import Role
    from utbetaling import services as payments
    from utbetaling.models import Grant

    call_command("migrate", "--no-input", verbosity=0)
    call_command("load_reference", stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("load_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115

    shots: dict[str, list[Shot]] = {}
    for slug in COMMUNITIES:
        community = Community.objects.get(slug=slug)
        applicant = User.objects.get(email=demo_email(Role.APPLICANT, community))
        member = User.objects.get(email=demo_email(Role.COMMITTEE, community))
        with scope(community=community):
            open_round = Round.objects.get(name="Demorunde")
            review_round = Round.objects.get(name=REVIEW_ROUND)
            decided_round = Round.objects.get(name=DECIDED_ROUND)

            draft = applications.application_create(round_=open_round, user=applicant)
            draft.title = "Felles legevakt for kommunane rundt sjukehuset"
            draft.period_start = dt.date(timezone.localdate().year + 1, 1, 1)
            draft.period_end = dt.date(timezone.localdate().year + 2, 12, 31)
            draft.save()
            for offset, amount in ((0, 250_000), (1, 175_000)):
                BudgetLine.objects.create(
                    application=draft,
                    year=draft.period_start.year + offset,
                    organisation=draft.responsible_organisation,
                    description="Prosjektleiar i halv stilling og opplæring av tilsette",
                    requested_amount=amount,
                    own_contribution=50_000,
                )

            complete = list(
                Application.objects.filter(
                    round=review_round, status=Application.Status.COMPLETE
                ).order_by("pk")
            )
            criteria = list(review_round.scheme.criteria.all())
            for application in complete:
                committee.conflict_declare(application=application, user=member, has_conflict=False)
            for application in complete[1:]:  # the first is left for the scoring page
                committee.assessment_save(
                    application=application,
                    user=member,
                    scores={
                        c.pk: (None, True, "") if c.kind == c.Kind.CHECK else (4, None, "")
                        for c in criteria
                    },
                    overall="Eit godt grunngitt tiltak.",
                    submit=True,
                )

            grant = Grant.objects.filter(application__round=decided_round).order_by("pk").first()
            payments.grant_accept(
                grant=grant,
                by=applicant,
                accepted_as="Kommunalsjef",
                bank_account="" if grant.internal else "12345678903",
            )

        base = f"/{slug}"
        case = complete[0].pk
        shots[slug] = [
            Shot(1, "start", "/", ""),
            Shot(2, "community", f"{base}/", "soker"),
            Shot(3, "form-step", f"{base}/soknad/{draft.pk}/steg/budget/", "soker"),
            Shot(4, "case-view", f"{base}/soknad/{case}/", "sekretariat"),
            Shot(
                5,
                "secretariat-table",
                f"{base}/sekretariat/runde/{review_round.pk}/soknader/",
                "sekretariat",
            ),
            Shot(6, "scoring", f"{base}/komite/soknad/{case}/", "komite"),
            Shot(
                7, "scoring-overview", f"{base}/komite/runde/{review_round.pk}/oversikt/", "komite"
            ),
            Shot(
                8,
                "recommendation",
                f"{base}/sekretariat/runde/{review_round.pk}/innstilling/",
                "sekretariat",
            ),
            Shot(9, "grant", f"{base}/tilskot/{grant.pk}/", "soker"),
            Shot(10, "final-report", f"{base}/tilskot/{grant.pk}/sluttrapport/", "soker"),
            Shot(11, "rules", f"{base}/regler/", "sekretariat"),
            Shot(
                12,
                "rules-criteria",
                f"{base}/regler/ordning/{open_round.scheme_id}/kriterium/",
                "sekretariat",
            ),
            Shot(13, "rules-round", f"{base}/regler/runde/{open_round.pk}/", "sekretariat"),
            Shot(14, "form-preview", f"{base}/regler/soknadsskjema/", "sekretariat"),
            Shot(15, "member-import", f"{base}/regler/medlemmer/import/", "sekretariat"),
            Shot(16, "rules-history", f"{base}/regler/historikk/", "sekretariat"),
            Shot(17, "new-community", "/drift/ny/", "admin"),
        ]
    connections.close_all()
    return shots


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"runserver stopped; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit(f"runserver did not answer within 60 s; see {log}")


def take(shots: dict[str, list[Shot]], base: str, out: Path) -> list[Path]:
    from django.conf import settings
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_FLAGS

    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        raise SystemExit(
            f"No Chromium at {CHROMIUM}: `make system-deps` installs Debian's, "
            "or set CHROMIUM_PATH."
        )
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for slug, language in COMMUNITIES.items():
            folder = out / f"{language}-{slug}"
            folder.mkdir(parents=True, exist_ok=True)
            # The language the pages outside a community (the start page) speak too.
            cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}
            for who in dict.fromkeys(shot.who for shot in shots[slug]):
                # Log in once per person; both widths reuse the session.
                context = browser.new_context()
                context.add_cookies([cookie])
                if who:
                    page = context.new_page()
                    page.goto(f"{base}/konto/logg-inn/")
                    # The operator is one for every community; the others are the community's.
                    email = (
                        f"{who}@tilskot.test" if who == "admin" else f"{who}.{slug}@tilskot.test"
                    )
                    page.locator("#id_login").fill(email)
                    page.locator("#id_password").fill(PASSWORD)
                    page.locator("main button[type=submit]").click()
                    page.wait_for_url(lambda url: "/konto/logg-inn/" not in url)
                state = context.storage_state()
                context.close()
                for width in WIDTHS:
                    context = browser.new_context(
                        storage_state=state, viewport={"width": width, "height": 900}
                    )
                    page = context.new_page()
                    for shot in (s for s in shots[slug] if s.who == who):
                        response = page.goto(f"{base}{shot.path}")
                        if response is None or response.status != 200:
                            status = response.status if response else "no answer"
                            print(f"  ! {slug} {shot.name}: {shot.path} answered {status}")
                        path = folder / f"{shot.number:02d}-{shot.name}-{width}.png"
                        page.screenshot(path=path, full_page=True, animations="disabled")
                        written.append(path)
                    context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=ROOT / "screenshots", help="folder (default: screenshots/)"
    )
    parser.add_argument("--only", choices=sorted(COMMUNITIES), help="one community")
    args = parser.parse_args()
    if args.only:
        for slug in list(COMMUNITIES):
            if slug != args.only:
                del COMMUNITIES[slug]

    folder = Path(tempfile.mkdtemp(prefix="tilskot-screenshots-"))
    env = environment(folder)
    os.environ.clear()
    os.environ.update(env)  # before Django reads its settings
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    server = None
    try:
        print(f"Filling a demo database in {folder} …")
        shots = prepare()
        port = free_port()
        server = start_server(env, port, folder / "runserver.log")
        print(f"Taking {sum(map(len, shots.values())) * len(WIDTHS)} screenshots …")
        written = take(shots, f"http://127.0.0.1:{port}", args.out)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
    shutil.rmtree(folder, ignore_errors=True)
    print(f"Wrote {len(written)} screenshots to {args.out}/")


if __name__ == "__main__":
    main()
