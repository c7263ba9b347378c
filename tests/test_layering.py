"""Imports run forward only (README, Architecture): the core (``tilskot``) imports no stage, and
a stage imports only the core and the stages before it. A stage reaches a later one only
through a registration (``soknad.rules.register_case_section`` and the like), which the later
stage makes in its ``AppConfig.ready``."""

import ast
from pathlib import Path

from django.conf import settings

# The stages in the order of a grant's life; each may import those before it.
STAGES = ["tilskot", "soknad", "komite", "utbetaling", "rapport"]


def imports_of(path: Path):
    """(line, module) for every absolute import in the file, at any depth (in functions too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


def backward_imports(root: Path) -> list[str]:
    rank = {stage: i for i, stage in enumerate(STAGES)}
    found = []
    for stage in STAGES:
        for path in sorted((root / stage).rglob("*.py")):
            if "migrations" in path.parts:
                continue  # Django writes their dependencies
            for line, module in imports_of(path):
                target = module.split(".")[0]
                if rank.get(target, -1) > rank[stage]:
                    found.append(f"{path.relative_to(root)}:{line} imports {module}")
    return found


def test_no_core_or_earlier_stage_module_imports_a_later_one():
    assert backward_imports(Path(settings.BASE_DIR)) == []


def test_the_check_finds_a_backward_import(tmp_path):
    for stage in STAGES:
        (tmp_path / stage).mkdir()
    (tmp_path / "komite" / "views.py").write_text(
        "def page():\n    from rapport.selectors import granted_facts\n"
    )
    (tmp_path / "rapport" / "views.py").write_text("from komite import rules\n")
    (tmp_path / "tilskot" / "urls.py").write_text("import soknad.urls\n")
    assert backward_imports(tmp_path) == [
        "tilskot/urls.py:1 imports soknad.urls",
        "komite/views.py:2 imports rapport.selectors",
    ]
