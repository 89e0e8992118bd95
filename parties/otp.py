"""Signing in to the party portal with a phone number and a one-time code sent by SMS.

The codes are `documents.models.OneTimeCode` rows with purpose "login", as the signing codes are:
six digits, only their hash kept, valid for FENGQIAO_OTP_TTL_SECONDS, at most
FENGQIAO_OTP_MAX_ATTEMPTS wrong tries, and a new code replaces the old. Asking for a code answers
the same whether or not the number belongs to a portal account, and at most one code per number
is sent every RESEND_SECONDS. Phone numbers are logged masked only.
"""

from __future__ import annotations

import datetime
import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import OneTimeCode
from documents.sms import send_sms
from parties.validators import mask_phone, normalize_phone

logger = logging.getLogger("fengqiao.portal")

LOGIN_PURPOSE = "login"
RESEND_SECONDS = 60


class CodeRefused(Exception):
    """The code does not sign anyone in (400): wrong, expired, unrequested or overused."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def portal_users(phone: str) -> list[Any]:
    """The active user whose portal account holds this (normalized) number. Only the account's
    own number counts: the phones bodies keep on their records never sign anyone in."""
    return list(
        get_user_model()
        .objects.filter(portal_account__phone=normalize_phone(phone), is_active=True)
        .order_by("pk")
    )


def request_login_code(phone: str) -> None:
    """Send a sign-in code to each portal account of the number; nothing for other numbers.

    Answers nothing either way, so that the caller cannot tell whether the number is known."""
    phone = normalize_phone(phone)
    users = portal_users(phone)
    if not users:
        # Hash anyway, so that an unknown number takes as long to answer as a known one.
        make_password(secrets.token_hex(3))
        logger.info("Sign-in code asked for %s: no portal account", mask_phone(phone))
        return
    now = timezone.now()
    ttl = settings.FENGQIAO_OTP_TTL_SECONDS
    with transaction.atomic():
        for user in users:
            recent = OneTimeCode.objects.filter(
                user=user,
                purpose=LOGIN_PURPOSE,
                created_at__gt=now - datetime.timedelta(seconds=RESEND_SECONDS),
            )
            if recent.exists():
                logger.info("Sign-in code for %s not sent: asked again too soon", mask_phone(phone))
                continue
            # A new code replaces any earlier one.
            OneTimeCode.objects.filter(
                user=user, purpose=LOGIN_PURPOSE, used_at__isnull=True
            ).update(used_at=now)
            code = f"{secrets.randbelow(10**6):06d}"
            OneTimeCode.objects.create(
                user=user,
                purpose=LOGIN_PURPOSE,
                phone=phone,
                code_hash=make_password(code),
                created_at=now,
                expires_at=now + datetime.timedelta(seconds=ttl),
            )
            message = _(
                "【枫桥】Your code to sign in to the Fengqiao portal is %(code)s, valid for "
                "%(minutes)d minutes. Do not tell it to anyone."
            ) % {"code": code, "minutes": max(ttl // 60, 1)}
            transaction.on_commit(lambda message=message: send_sms(phone, message))
            logger.info("Sign-in code sent to %s", mask_phone(phone))


def check_login_code(phone: str, code: str) -> Any:
    """The user the code signs in, the code spent; `CodeRefused` otherwise.

    Every try counts against every live code of the number before any is compared, one
    conditional UPDATE each, so that simultaneous tries spend the attempts one by one. Written at
    once (requests are not atomic), outside any transaction a refusal might roll back."""
    phone = normalize_phone(phone)
    now = timezone.now()
    live = list(
        OneTimeCode.objects.filter(
            purpose=LOGIN_PURPOSE,
            phone=phone,
            used_at__isnull=True,
            expires_at__gt=now,
            user__is_active=True,
        ).select_related("user")
    )
    if not live:
        raise CodeRefused(_("The code has expired or was not requested; ask for a new one."))
    usable = [otp for otp in live if otp.spend_attempt()]
    if not usable:
        raise CodeRefused(_("Too many wrong codes; ask for a new one."))
    code = (code or "").strip()
    for otp in usable:
        if code and check_password(code, otp.code_hash):
            # Spend it once: of two requests with the same code, only one signs in.
            spent = OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now)
            if not spent:
                break
            logger.info("Signed in with a code sent to %s", mask_phone(phone))
            return otp.user
    logger.info("Wrong sign-in code for %s", mask_phone(phone))
    raise CodeRefused(_("The code is not correct."))
