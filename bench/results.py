"""Where the benchmarks write their results: ``bench/results/<name>.json`` (and ``.md``)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings

RESULTS = Path(settings.BASE_DIR) / "bench" / "results"


def code_version() -> str:
    """The commit measured, and whether the work tree differed from it (outside bench/).
    ``BENCH_CODE`` names it where there is no git (a snapshot made with ``git archive``)."""
    import os
    import subprocess

    if os.environ.get("BENCH_CODE"):
        return os.environ["BENCH_CODE"]

    def git(*args: str) -> str:
        return subprocess.run(  # noqa: S603 (a fixed git command line)
            ["git", *args],  # noqa: S607 (git from PATH, as a developer runs it)
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=False,
        ).stdout

    commit = git("rev-parse", "--short", "HEAD").strip() or "unknown"
    changed = [
        line
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line[3:].startswith(("bench/", "Makefile", "pyproject.toml"))
    ]
    return commit + (" (with uncommitted changes)" if changed else "")


def write_json(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = {"code": code_version(), **data}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
    return path


def write_text(name: str, text: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / name
    path.write_text(text)
    return path


def read_json(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def table(headers: list[str], rows: list[list], align: str = "") -> str:
    """A Markdown table; ``align`` has one letter per column: l(eft) or r(ight)."""
    align = align or "l" + "r" * (len(headers) - 1)
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---:" if a == "r" else "---" for a in align) + " |",
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
