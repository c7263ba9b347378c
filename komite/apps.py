from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KomiteConfig(AppConfig):
    name = "komite"
    verbose_name = _("Committee and decision")

    def ready(self) -> None:
        from soknad.rules import (
            register_case_section,
            register_party_change,
            register_reader,
            register_screening_closer,
        )
        from tilskot.demo import register_demo
        from tilskot.rules import (
            RulesPage,
            register_criteria_lock,
            register_deadline_lock,
            register_rules_page,
        )
        from tilskot.todo import register_todo

        from . import reminders  # noqa: F401  (registers the scoring-deadline reminder)
        from .decision_views import case_section
        from .demo import demo_decided_round, demo_review_round
        from .rules import can_review, criteria_lock, deadline_lock, screening_closed
        from .services import parties_disqualify
        from .todo import committee_todos, decision_todos, secretariat_todos

        # A member who has declared no conflict may read the application's files.
        register_reader(can_review)
        # The decision and its letter on the application's case page.
        register_case_section(case_section)
        # Screening ends when the recommendation is sent.
        register_screening_closer(screening_closed)
        # Someone who becomes a party of an application is disqualified for it.
        register_party_change(parties_disqualify)
        # make run's demo: a decided round with granted projects in each community.
        register_demo(demo_decided_round)
        register_demo(demo_review_round)
        # What waits for members, the decision bodies and the secretariat, on the to-do page.
        for source in (committee_todos, decision_todos, secretariat_todos):
            register_todo(source)
        # The rules pages: criteria lock once scoring has begun; the letters' PDF preview.
        register_criteria_lock(criteria_lock)
        # A round whose recommendation is sent is not reopened.
        register_deadline_lock(deadline_lock)
        register_rules_page(
            RulesPage(
                "komite:letter_preview",
                _("Preview of the decision letters"),
                _("A grant and a refusal as PDF, with the letter texts as they are now."),
            )
        )
