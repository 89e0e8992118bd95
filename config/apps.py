"""The project's own app: system checks of its settings, the API tokens' signal receivers, the
one-time form tokens of the pages (`config.formtokens`), and their migrations."""

from django.apps import AppConfig


class ConfigConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "config"
    label = "config"
    verbose_name = "Fengqiao"

    def ready(self) -> None:
        from config import checks, tokens

        checks.register()
        tokens.connect()
