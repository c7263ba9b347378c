from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RapportConfig(AppConfig):
    name = "rapport"
    verbose_name = _("Final reports")

    def ready(self) -> None:
        from . import reminders  # noqa: F401  (registers the report-due reminder)
