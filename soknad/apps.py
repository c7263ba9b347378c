from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SoknadConfig(AppConfig):
    name = "soknad"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from tilskot.todo import register_todo

        from . import reminders  # noqa: F401  (registers the applications' reminders)
        from .todo import applicant_todos, screening_todos

        # What waits for applicants and for the secretariat's screening, on the to-do page.
        register_todo(applicant_todos)
        register_todo(screening_todos)
