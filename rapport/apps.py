from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RapportConfig(AppConfig):
    name = "rapport"
    verbose_name = _("Final reports")

    def ready(self) -> None:
        from komite.public_views import register_granted_facts
        from tilskot.todo import register_todo

        from . import reminders  # noqa: F401  (registers the report-due reminder)
        from .selectors import granted_facts
        from .todo import recipient_todos, secretariat_todos

        # Closed grants and shared learning points on the public list of granted projects.
        register_granted_facts(granted_facts)
        # Final reports due, submitted and overdue, on the to-do page.
        register_todo(recipient_todos)
        register_todo(secretariat_todos)
