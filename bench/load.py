"""The load test (locust): applicants saving drafts and submitting near the deadline, committee
members scoring, the secretariat browsing — and, for the ceiling, a user who only asks for the
trivial view.

Run by ``manage.py bench_load``, which starts gunicorn, writes the manifest this file reads
(``BENCH_MANIFEST``: the accounts and what each may work on) and afterwards checks that
everything the server acknowledged is in the database exactly once. Every acknowledged draft
save, submission and score is recorded here and written to ``BENCH_ACK_DIR`` when the test
stops. Plain locust, no Django: it only speaks HTTP.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import uuid
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, constant, events, task

MANIFEST = json.loads(Path(os.environ.get("BENCH_MANIFEST", "/dev/null")).read_text() or "{}")
ACK_DIR = Path(os.environ.get("BENCH_ACK_DIR", "."))
WAIT = between(
    float(os.environ.get("BENCH_WAIT_MIN", "0.5")), float(os.environ.get("BENCH_WAIT_MAX", "2"))
)

# Statistics start this many seconds after the last user has started (and logged in), so the
# measured minute is the steady mix, not the queue of PBKDF2 log-ins at the start.
SETTLE = float(os.environ.get("BENCH_SETTLE", "0"))
RUNNER = []

# What the server acknowledged, in the order it did (``seq``), written when the test stops.
ACKS: dict[str, list[dict]] = {"drafts": [], "submissions": [], "scores": []}
SEQUENCE = itertools.count()
RECEIPT = re.compile(r"/kvittering/(\d+)/$")
SAVED = 'class="alert alert-success" role="status"'  # komite/_scoring.html after a save


@events.init.add_listener
def _keep_runner(environment, **_kwargs) -> None:
    RUNNER.append(environment)


@events.spawning_complete.add_listener
def _reset_when_settled(**_kwargs) -> None:
    if SETTLE > 0 and RUNNER:
        gevent.spawn_later(SETTLE, lambda: RUNNER[0].runner.stats.reset_all())


@events.test_stop.add_listener
def _write_acks(**_kwargs) -> None:
    ACK_DIR.mkdir(parents=True, exist_ok=True)
    (ACK_DIR / f"acks-{os.getpid()}.json").write_text(json.dumps(ACKS))


def token() -> str:
    return uuid.uuid4().hex[:12]


class TilskotUser(FastHttpUser):
    """Logs in through the log-in form as the next account of its role in the manifest."""

    abstract = True
    wait_time = WAIT
    role = ""
    counter = itertools.count()

    def on_start(self) -> None:
        accounts = MANIFEST[self.role]
        self.account = accounts[next(type(self).counter) % len(accounts)]
        self.slug = self.account["community"]
        self.client.get("/konto/logg-inn/", name="login form")
        fields = {
            "login": self.account["email"],
            "password": MANIFEST["password"],
            "csrfmiddlewaretoken": self.csrf(),
        }
        with self.post("/konto/logg-inn/", fields, name="login") as response:
            if response.status_code != 302:
                response.failure(f"log-in refused ({response.status_code})")

    def csrf(self) -> str:
        return next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")

    def post(self, path: str, fields: dict, *, name: str, htmx: bool = False):
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-CSRFToken": self.csrf(),
        }
        if htmx:
            headers["HX-Request"] = "true"
        return self.client.post(
            path,
            data=urlencode(fields, doseq=True),
            headers=headers,
            name=name,
            allow_redirects=False,
            catch_response=True,
        )

    def get(self, path: str, *, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class Applicant(TilskotUser):
    """Works on one draft (saves it over and over) and submits the ready ones, one by one."""

    role = "applicants"
    counter = itertools.count()
    fixed_count = int(os.environ.get("BENCH_APPLICANTS", "25"))

    def on_start(self) -> None:
        super().on_start()
        self.working = self.account["working"]
        self.ready = list(self.account["ready"])
        self.submitted: list[int] = []

    def step(self, application: int) -> str:
        return f"/{self.slug}/soknad/{application}/steg/basics/"

    def save(self, application: int) -> bool:
        title = f"Benk {token()}"
        fields = {
            "title": title,
            "summary": f"Oppsummering {token()}",
            "description": "Tiltaket held fram som planlagt, med nye avtalar mellom partane.",
            "period_start": "2027-01-01",
            "period_end": "2027-12-31",
            "save": "",
        }
        path = self.step(application)
        with self.post(path, fields, name="applicant: save draft") as response:
            if response.status_code == 302 and response.headers.get("Location", "") == path:
                ACKS["drafts"].append(
                    {"application": application, "title": title, "seq": next(SEQUENCE)}
                )
            else:
                response.failure(f"save not acknowledged ({response.status_code})")
                return False
        self.get(path, name="applicant: step page")
        return True

    def submit(self, application: int, *, name: str = "applicant: submit") -> None:
        path = f"/{self.slug}/soknad/{application}/send/"
        with self.post(path, {}, name=name) as response:
            location = response.headers.get("Location", "")
            receipt = RECEIPT.search(location)
            if response.status_code != 302 or receipt is None:
                response.failure(f"submission not acknowledged ({response.status_code})")
                return
            ACKS["submissions"].append(
                {
                    "application": application,
                    "number": int(receipt.group(1)),
                    "seq": next(SEQUENCE),
                }
            )
        self.get(location, name="applicant: receipt")

    @task(2)
    def my_applications(self) -> None:
        self.get(f"/{self.slug}/soknader/", name="applicant: my applications")

    @task(3)
    def open_draft(self) -> None:
        self.get(self.step(self.working), name="applicant: step page")

    @task(8)
    def save_draft(self) -> None:
        self.save(self.working)

    @task(2)
    def submit_ready(self) -> None:
        """Save a ready draft once more, then submit it; now and then click twice."""
        if not self.ready:
            if self.submitted:  # a second click on an old one: the same receipt, nothing new
                self.submit(random.choice(self.submitted), name="applicant: submit again")
            return
        application = self.ready.pop(0)
        if self.save(application):
            self.submit(application)
            if random.random() < 0.2:
                self.submit(application, name="applicant: submit again")
            self.submitted.append(application)


class CommitteeMember(TilskotUser):
    """Opens the applications they have declared no conflict on and scores them in place."""

    role = "committee"
    counter = itertools.count()
    fixed_count = int(os.environ.get("BENCH_COMMITTEE", "15"))

    def application(self) -> int:
        return random.choice(self.account["applications"])

    @task(1)
    def review_list(self) -> None:
        self.get(f"/{self.slug}/komite/runde/{self.account['round']}/", name="committee: list")

    @task(2)
    def open_application(self) -> None:
        path = f"/{self.slug}/komite/soknad/{self.application()}/"
        self.get(path, name="committee: application")

    @task(6)
    def score(self) -> None:
        application = self.application()
        fields: dict[str, str] = {"overall": f"Samla vurdering {token()}"}
        scores = {}
        for criterion in self.account["criteria"]:
            pk, comment = criterion["id"], f"Kommentar {token()}"
            if criterion["kind"] == "check":
                met = random.random() < 0.5
                fields[f"met_{pk}"] = "yes" if met else "no"
                scores[str(pk)] = [None, met, comment]
            else:
                value = random.randint(criterion["min"], criterion["max"])
                fields[f"score_{pk}"] = str(value)
                scores[str(pk)] = [value, None, comment]
            fields[f"comment_{pk}"] = comment
        submit = random.random() < 0.1
        fields["submit" if submit else "save"] = ""
        path = f"/{self.slug}/komite/soknad/{application}/"
        with self.post(path, fields, name="committee: save scores", htmx=True) as response:
            if response.status_code == 200 and SAVED in response.text:
                ACKS["scores"].append(
                    {
                        "application": application,
                        "email": self.account["email"],
                        "scores": scores,
                        "overall": fields["overall"],
                        "submit": submit,
                        "seq": next(SEQUENCE),
                    }
                )
            else:
                response.failure(f"scores not acknowledged ({response.status_code})")

    @task(1)
    def dashboard(self) -> None:
        path = f"/{self.slug}/komite/runde/{self.account['round']}/oversikt/"
        self.get(path, name="committee: dashboard")


class Secretariat(TilskotUser):
    """Browses the round's table (pages, sorting, a filter), opens applications, follows the
    scoring dashboard."""

    role = "secretariat"
    counter = itertools.count()
    fixed_count = int(os.environ.get("BENCH_SECRETARIAT", "10"))

    def table(self) -> str:
        return f"/{self.slug}/sekretariat/runde/{self.account['round']}/soknader/"

    @task(3)
    def browse_table(self) -> None:
        page = random.randint(1, self.account["pages"])
        sort = random.choice(["", "title", "-requested", "status", "-submitted_at"])
        query = urlencode({"page": page, **({"sort": sort} if sort else {})})
        self.get(f"{self.table()}?{query}", name="secretariat: table")

    @task(1)
    def filter_table(self) -> None:
        self.get(f"{self.table()}?status=complete", name="secretariat: table filtered")

    @task(3)
    def open_application(self) -> None:
        application = random.choice(self.account["applications"])
        self.get(f"/{self.slug}/soknad/{application}/", name="secretariat: application")

    @task(1)
    def dashboard(self) -> None:
        path = f"/{self.slug}/komite/runde/{self.account['round']}/oversikt/"
        self.get(path, name="secretariat: dashboard")

    @task(1)
    def community(self) -> None:
        self.get(f"/{self.slug}/", name="community page")


class Ping(FastHttpUser):
    """The ceiling: the same gunicorn serving a view that does nothing."""

    wait_time = constant(0)

    @task
    def ping(self) -> None:
        self.client.get("/bench/ping/", name="ping")
