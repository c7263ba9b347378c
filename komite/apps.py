from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KomiteConfig(AppConfig):
    name = "komite"
    verbose_name = _("Committee and decision")

    def ready(self) -> None:
        from soknad.rules import register_reader

        from .rules import can_review

        # A member who has declared no conflict may read the application's files.
        register_reader(can_review)
