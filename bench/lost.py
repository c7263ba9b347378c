"""The nothing-lost check of the load test: what the server acknowledged (recorded by the
locust users of ``bench/load.py``) against what the database holds afterwards."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from django_scopes import scopes_disabled

from komite.models import Assessment, Score
from soknad.models import Application, StatusChange, Submission

# --- nothing lost --------------------------------------------------------------------------


def _acks(directory: Path) -> dict[str, list[dict]]:
    acks: dict[str, list[dict]] = {"drafts": [], "submissions": [], "scores": []}
    for path in sorted(directory.glob("acks-*.json")):
        for kind, rows in json.loads(path.read_text()).items():
            acks[kind] += rows
    return acks


def nothing_lost(directory: Path) -> dict:
    """Every acknowledged draft save, submission and score is in the database exactly once:

    - a draft save is one historical row of its application with the saved title (history
      writes one row per save), and the application's title is its last acknowledged save;
    - a submission is the application's one ``Submission`` with the number on the receipt and
      one case-log entry "submitted" (a second click gave the same receipt, nothing new);
    - a member's scores for an application are one assessment with one row per criterion,
      holding the values and comments of their last acknowledged save.
    """
    acks = _acks(directory)
    problems: list[str] = []
    with scopes_disabled():
        history = Application.history.model
        last_title: dict[int, dict] = {}
        for ack in acks["drafts"]:
            rows = history.objects.filter(
                id=ack["application"], title=ack["title"], status=Application.Status.DRAFT
            ).count()
            if rows != 1:
                problems.append(f"draft save {ack['title']} of {ack['application']}: {rows} rows")
            if ack["seq"] > last_title.get(ack["application"], {"seq": -1})["seq"]:
                last_title[ack["application"]] = ack
        titles = dict(Application.objects.filter(pk__in=last_title).values_list("pk", "title"))
        for pk, ack in last_title.items():
            if titles.get(pk) != ack["title"]:
                problems.append(f"application {pk} is “{titles.get(pk)}”, not “{ack['title']}”")

        submitted = {a["application"]: a["number"] for a in acks["submissions"]}
        for pk, number in submitted.items():
            numbers = list(Submission.objects.filter(application_id=pk).values_list("number"))
            logged = StatusChange.objects.filter(
                application_id=pk, to_status=Application.Status.SUBMITTED
            ).count()
            if numbers != [(number,)] or logged != 1:
                problems.append(f"submission of {pk}: numbers {numbers}, case log {logged}")

        last_scores: dict[tuple[str, int], dict] = {}
        for ack in acks["scores"]:
            key = (ack["email"], ack["application"])
            if ack["seq"] > last_scores.get(key, {"seq": -1})["seq"]:
                last_scores[key] = ack
        submitted_by: dict[tuple[str, int], bool] = defaultdict(bool)
        for ack in acks["scores"]:
            submitted_by[(ack["email"], ack["application"])] |= ack["submit"]
        for (email, pk), ack in last_scores.items():
            assessments = list(
                Assessment.objects.filter(application_id=pk, member__user__email=email)
            )
            if len(assessments) != 1:
                problems.append(f"{email} on {pk}: {len(assessments)} assessments")
                continue
            assessment = assessments[0]
            rows: dict[str, list] = defaultdict(list)
            for score in Score.objects.filter(assessment=assessment):
                rows[str(score.criterion_id)].append([score.value, score.met, score.comment])
            for criterion, expected in ack["scores"].items():
                if rows.get(criterion) != [expected]:
                    problems.append(
                        f"{email} on {pk}, criterion {criterion}: {rows.get(criterion)} "
                        f"is not {expected}"
                    )
            if assessment.overall != ack["overall"]:
                problems.append(f"{email} on {pk}: overall view is not the last saved")
            if submitted_by[(email, pk)] and assessment.submitted_at is None:
                problems.append(f"{email} on {pk}: submitted, but not marked so")
    return {
        "acknowledged": {
            "draft saves": len(acks["drafts"]),
            "submissions": len(acks["submissions"]),
            "distinct applications submitted": len(submitted),
            "score saves": len(acks["scores"]),
        },
        "lost_or_duplicated": len(problems),
        "problems": problems[:50],
    }
