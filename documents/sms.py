"""Pluggable SMS sending (`FENGQIAO_SMS_BACKEND`). Production plugs in its gateway's client;
the development backend writes the message to the log, which is where a tester reads codes."""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from parties.validators import is_mobile_phone, mask_phone, normalize_phone

logger = logging.getLogger("fengqiao.sms")


class SmsBackend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class LogSmsBackend:
    """Writes each message to the `fengqiao.sms` log instead of sending it."""

    def send(self, phone: str, message: str) -> None:
        # The number is personal data: the log shows it masked (the message is for the tester).
        logger.info("SMS to %s: %s", mask_phone(phone), message)


class MemorySmsBackend:
    """Keeps messages in `outbox`, for tests that read the code a party would receive."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        MemorySmsBackend.outbox.append((phone, message))


def send_sms(phone: str, message: str) -> bool:
    """Send `message` to a mobile number; False, logged, for any other (a landline would take the
    gateway's money and reach no one, and "sent" would be untrue)."""
    if not is_mobile_phone(phone):
        logger.warning("SMS not sent to %s: not a mobile number.", mask_phone(phone))
        return False
    backend: SmsBackend = import_string(settings.FENGQIAO_SMS_BACKEND)()
    backend.send(normalize_phone(phone), message)
    return True
