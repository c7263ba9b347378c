from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TilskotConfig(AppConfig):
    name = "tilskot"
    verbose_name = _("Communities and their rules")
