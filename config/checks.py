"""System checks of the project's own settings (`manage.py check`, and `check --deploy`).

The deploy checks refuse secret keys a guess could reach: Django's own checks look at
SECRET_KEY; these look at the keys of the ID numbers' encryption and search hash
(parties/crypto.py). A short search key is as bad as none: the ID numbers are 18 characters
with a known structure, and whoever has the key can hash every possible one.
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags
from django.core.checks import Warning as CheckWarning
from django.core.checks import register as register_check

# 256 bits, the size of HMAC-SHA256's output; as many bytes as `secrets.token_urlsafe(32)` gives
# characters at the least.
MIN_SEARCH_KEY_BYTES = 32


def search_key(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    key = settings.FENGQIAO_SEARCH_KEY or ""
    if len(key.encode()) >= MIN_SEARCH_KEY_BYTES:
        return []
    return [
        Error(
            f"FENGQIAO_SEARCH_KEY is {len(key.encode())} bytes long; it must be at least "
            f"{MIN_SEARCH_KEY_BYTES} random bytes.",
            hint="Make one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'. "
            "Changing it needs every ID number's search hash recomputed.",
            id="fengqiao.E001",
        )
    ]


def field_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    keys = [key.strip() for key in settings.FENGQIAO_FIELD_KEYS if key.strip()]
    hint = "Make one with: python -c 'from cryptography.fernet import Fernet; " + (
        "print(Fernet.generate_key().decode())'"
    )
    if not keys:
        return [
            Error(
                "FENGQIAO_FIELD_KEYS is empty: ID numbers would be encrypted with the "
                "development key, which is in the source code.",
                hint=hint,
                id="fengqiao.E002",
            )
        ]
    errors: list[CheckMessage] = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            errors.append(
                Error(
                    f"Key {position} of FENGQIAO_FIELD_KEYS is not a Fernet key (32 random "
                    "bytes, url-safe base64: 44 characters).",
                    hint=hint,
                    id="fengqiao.E003",
                )
            )
    return errors


_SILENT_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


def password_reset_mail_goes_out() -> bool:
    """Whether the e-mail backend delivers mail: the console backend prints it (reset links in
    the server's log) and the dummy one drops it."""
    return settings.EMAIL_BACKEND not in _SILENT_EMAIL_BACKENDS


def password_reset(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.FENGQIAO_PASSWORD_RESET or password_reset_mail_goes_out():
        return []
    return [
        CheckWarning(
            "FENGQIAO_PASSWORD_RESET is on but DJANGO_EMAIL_BACKEND is "
            f"{settings.EMAIL_BACKEND}: password reset stays off (its pages answer 404).",
            hint="Set DJANGO_EMAIL_BACKEND to a backend that delivers mail, e.g. "
            "django.core.mail.backends.smtp.EmailBackend with DJANGO_EMAIL_HOST.",
            id="fengqiao.W001",
        )
    ]


def register() -> None:
    register_check(Tags.security, deploy=True)(search_key)
    register_check(Tags.security, deploy=True)(field_keys)
    register_check(Tags.security)(password_reset)
