from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UtbetalingConfig(AppConfig):
    name = "utbetaling"
    verbose_name = _("Payments")
