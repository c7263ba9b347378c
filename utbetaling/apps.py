from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UtbetalingConfig(AppConfig):
    name = "utbetaling"
    verbose_name = _("Payments")

    def ready(self) -> None:
        from soknad.rules import register_case_section

        from .views import case_section

        # The grant's page, from the application's case page.
        register_case_section(case_section)
