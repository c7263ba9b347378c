from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KomiteConfig(AppConfig):
    name = "komite"
    verbose_name = _("Committee and decision")
