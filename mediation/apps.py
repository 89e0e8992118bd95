from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "mediation"
    verbose_name = _("Mediation")

    def ready(self) -> None:
        from mediation.figures import receivers as figures
        from mediation.notifications import receivers as notifications

        figures.connect()
        notifications.connect()
