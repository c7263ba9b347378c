from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UtbetalingConfig(AppConfig):
    name = "utbetaling"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from komite.decisions import register_final_decision
        from komite.letters import register_letter_context
        from soknad.rules import register_case_section
        from tilskot.todo import register_todo

        from .rules import letter_context
        from .services import grants_open
        from .todo import finance_todos, reallocation_todos, recipient_todos
        from .views import case_section

        # The grant's page, from the application's case page.
        register_case_section(case_section)
        # The final decision opens the grants; its letters say how the money is paid.
        register_final_decision(grants_open)
        register_letter_context(letter_context)
        # What waits for finance, the secretariat and recipients, on the to-do page.
        for source in (finance_todos, reallocation_todos, recipient_todos):
            register_todo(source)
