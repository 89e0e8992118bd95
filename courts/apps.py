from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CourtsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "courts"
    verbose_name = _("Courts")

    def ready(self) -> None:
        from courts import receivers

        receivers.connect()
