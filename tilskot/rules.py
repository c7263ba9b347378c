"""What the core knows of the rules pages that later stages add, and of the rules they lock.

The community's rules pages (``/<community>/regler/``) live in the core, but two things there
belong to later stages: pages of their own (the application form's preview is the application
stage's, the letters' PDF preview the committee's) and locks (criteria and their scales lock
once scoring has begun, which only the committee stage can tell). Each registers here, at
import of its ``rules`` module, as ``soknad.rules.register_case_section`` does for the case
page; the core never imports a stage.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class RulesPage:
    """A page of the rules index: its URL name (taking ``community``) and its title."""

    url_name: str
    title: str | Promise
    description: str | Promise = ""


RULES_PAGES: list[RulesPage] = []


def register_rules_page(page: RulesPage) -> RulesPage:
    if page not in RULES_PAGES:
        RULES_PAGES.append(page)
    return page


# ``lock(scheme) -> str``: why the scheme's criteria and scales cannot change now, or "".
CRITERIA_LOCKS: list[Callable[[object], str]] = []


def register_criteria_lock(lock: Callable[[object], str]) -> Callable[[object], str]:
    if lock not in CRITERIA_LOCKS:
        CRITERIA_LOCKS.append(lock)
    return lock


def criteria_locked(scheme) -> str:
    """Why the scheme's criteria are locked (the first reason a stage gives), or ""."""
    for lock in CRITERIA_LOCKS:
        if reason := lock(scheme):
            return reason
    return ""


# ``lock(round) -> str``: why the round's deadline cannot move later now, or "". Reopening a
# round whose recommendation is sent would let in applications that nothing can decide.
DEADLINE_LOCKS: list[Callable[[object], str]] = []


def register_deadline_lock(lock: Callable[[object], str]) -> Callable[[object], str]:
    if lock not in DEADLINE_LOCKS:
        DEADLINE_LOCKS.append(lock)
    return lock


def deadline_locked(round_) -> str:
    """Why the round's deadline may not be moved later (the first reason a stage gives), or
    ""."""
    for lock in DEADLINE_LOCKS:
        if reason := lock(round_):
            return reason
    return ""
