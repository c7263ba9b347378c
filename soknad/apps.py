from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SoknadConfig(AppConfig):
    name = "soknad"
    verbose_name = _("Applications")

    def ready(self) -> None:
        from . import reminders  # noqa: F401  (registers the applications' reminders)
