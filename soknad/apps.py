from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SoknadConfig(AppConfig):
    name = "soknad"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from tilskot.demo import register_demo
        from tilskot.rules import RulesPage, register_rules_page
        from tilskot.signals import identity_verified
        from tilskot.todo import register_todo

        from . import reminders  # noqa: F401  (registers the applications' reminders)
        from .demo import demo_representation
        from .representation import identity_verified_receive
        from .todo import applicant_todos, representation_todos, screening_todos

        # What waits for applicants, for organisation admins and for the secretariat's
        # screening, on the to-do page.
        register_todo(applicant_todos)
        register_todo(screening_todos)
        register_todo(representation_todos)
        # Ansattporten names the organisations a person acts for: they are confirmed signers.
        identity_verified.connect(
            identity_verified_receive, dispatch_uid="soknad.identity_verified_receive"
        )
        # make run's demo: the demo applicant signs for the demo applications' organisations.
        register_demo(demo_representation)
        # The rules pages: the application form as applicants will see it.
        register_rules_page(
            RulesPage(
                "soknad:form_preview",
                _("Preview of the application form"),
                _("Every step of the form as applicants see it, from the rules as they are now."),
            )
        )
