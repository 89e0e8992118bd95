"""Portal accounts and the records they act for.

A portal account is the person's own: the phone they proved by code, and who they are (ID type
and the keyed hash of the number). A body's record of a party acts through an account only while
the record carries that identity and that phone; a record without an ID number is never linked
by itself. So a clerk can point their own body's record at an account whose holder proved the
number (giving the real person their case), but nothing a clerk types can point an account at a
record, or move a sign-in to another number.

Once a record acts through an account, its phone changes only on the holder's word (a code sent
to the number their account proved) or a director's recorded decision, and the old number is
told (`change_phone`).
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password, make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from documents.models import OneTimeCode
from documents.sms import send_sms
from mediation.cases.selectors import disputes_visible_to
from mediation.kernel.exceptions import Conflict, Forbidden, NotFound
from mediation.kernel.roles import Role, scope_of
from parties import validators
from parties.models import Party, PhoneChange, PortalAccount

PHONE_CHANGE_PURPOSE = "phone:%d"


def link_record(party: Party) -> bool:
    """Let the account with this record's identity and phone act for it; True if linked."""
    if party.user_id is not None or not party.phone or not party.id_number_hash:
        return False
    account = PortalAccount.objects.filter(
        phone=party.phone,
        id_type=party.id_type,
        id_number_hash=party.id_number_hash,
        user__is_active=True,
    ).first()
    if account is None:
        return False
    party.user_id = account.user_id
    party.save(update_fields=["user"])
    return True


def link_records(account: PortalAccount) -> int:
    """Link every unlinked record that carries the account's identity and phone."""
    if not account.id_number_hash:
        return 0
    records = Party.objects.filter(
        user__isnull=True,
        phone=account.phone,
        id_type=account.id_type,
        id_number_hash=account.id_number_hash,
    )
    linked = 0
    for record in records:
        # One by one, so that each change is in the record's field history.
        record.user_id = account.user_id
        record.save(update_fields=["user"])
        linked += 1
    return linked


def _staff_of(actor: Any, party: Party) -> bool:
    scope = scope_of(actor)
    return scope.is_superuser or scope.is_staff_of(party.body_id)


def _record(actor: Any, party_id: Any) -> Party:
    """The record, locked, if the actor is staff of its body; 403 for whoever sees the party in
    a case all the same, 404 for anyone else."""
    try:
        party = Party.objects.select_for_update(of=("self",)).get(pk=int(party_id))
    except (Party.DoesNotExist, ValueError, TypeError) as exc:
        raise NotFound(_("No such party.")) from exc
    if not _staff_of(actor, party):
        if disputes_visible_to(actor).filter(case_parties__party=party).exists():
            raise Forbidden(_("Only the staff of the party's mediation body may do this."))
        raise NotFound(_("No such party."))
    return party


@transaction.atomic
def open_portal_account(*, actor: Any, party_id: Any, username: str = "") -> PortalAccount:
    """An account for the person a body's record names, on their record's phone and identity.

    The phone counts as proved when the holder first signs in with a code sent to it; until
    then only that number can use the account. Staff of the record's body may open it."""
    party = _record(actor, party_id)
    if party.user_id is not None:
        raise Conflict(_("This party already has a portal account."))
    if not party.phone or not party.id_number_hash:
        raise ValidationError(
            {"phone": _("A portal account needs the party's mobile number and ID number.")}
        )
    if PortalAccount.objects.filter(phone=party.phone).exists():
        raise Conflict(_("Another portal account uses this number."))
    from django.contrib.auth.models import Group

    user = get_user_model().objects.create_user(
        username=username or f"portal-{secrets.token_hex(6)}",
        first_name=party.name[1:] if party.kind == "person" else "",
        last_name=party.name[:1] if party.kind == "person" else party.name,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    user.groups.add(Group.objects.get_or_create(name=Role.PARTY.value)[0])
    account = PortalAccount.objects.create(
        user=user,
        name=party.name,
        phone=party.phone,
        phone_verified_at=None,
        id_type=party.id_type,
        id_number_hash=party.id_number_hash,
    )
    party.user = user
    party.save(update_fields=["user"])
    link_records(account)
    return account


def signed_in(user: Any) -> None:
    """After a sign-in by code: the number is proved, and records made since are linked."""
    account = PortalAccount.objects.filter(user=user).first()
    if account is None:
        return
    if account.phone_verified_at is None:
        PortalAccount.objects.filter(pk=account.pk).update(phone_verified_at=timezone.now())
    link_records(account)


# --- a new phone on a record an account acts for -----------------------------------------------


def _tell_old_number(party: Party, old: str) -> None:
    if not old:
        return
    message = _(
        "【枫桥】The phone number a mediation body keeps for you has been changed to "
        "%(phone)s. If you did not ask for this, call the body at once."
    ) % {"phone": validators.mask_phone(party.phone)}
    transaction.on_commit(lambda: send_sms(old, message))


@transaction.atomic
def request_phone_change_code(*, actor: Any, party_id: Any) -> str:
    """Send the holder a code, to the number their account proved, which they read out to the
    clerk to confirm a new phone on the body's record. Answers the masked number."""
    party = _record(actor, party_id)
    account = PortalAccount.objects.filter(user_id=party.user_id).first()
    if account is None:
        raise Conflict(_("This party has no portal account: change the phone directly."))
    now = timezone.now()
    purpose = PHONE_CHANGE_PURPOSE % party.pk
    OneTimeCode.objects.filter(user=actor, purpose=purpose, used_at__isnull=True).update(
        used_at=now
    )
    code = f"{secrets.randbelow(10**6):06d}"
    OneTimeCode.objects.create(
        user=actor,
        purpose=purpose,
        phone=account.phone,
        code_hash=make_password(code),
        expires_at=now + datetime.timedelta(seconds=settings.FENGQIAO_OTP_TTL_SECONDS),
    )
    message = _(
        "【枫桥】A mediation body asks to change the phone number it keeps for you. If you agree, "
        "tell the clerk this code: %(code)s. Otherwise ignore this message."
    ) % {"code": code}
    phone = account.phone
    transaction.on_commit(lambda: send_sms(phone, message))
    return account.masked_phone


def _spend_code(actor: Any, party_id: Any, code: str) -> None:
    """Spend the holder's code, or raise a field error. Each try is counted, before the code is
    compared, in one statement that commits on its own: parallel or rolled-back guesses cannot
    pass the limit."""
    now = timezone.now()
    with transaction.atomic():
        party = _record(actor, party_id)
        otp = OneTimeCode.objects.filter(
            user=actor,
            purpose=PHONE_CHANGE_PURPOSE % party.pk,
            used_at__isnull=True,
            expires_at__gt=now,
        ).first()
        if otp is None:
            raise ValidationError(
                {"code": _("The code has expired or was not requested; ask for a new one.")}
            )
        counted = otp.spend_attempt()
    if not counted:
        raise ValidationError({"code": _("Too many wrong codes; ask for a new one.")})
    if not check_password(code.strip(), otp.code_hash):
        raise ValidationError({"code": _("The code is not correct.")})
    spent = OneTimeCode.objects.filter(pk=otp.pk, used_at__isnull=True).update(used_at=now)
    if not spent:
        raise ValidationError({"code": _("The code has already been used; ask for a new one.")})


def _checked_phone(phone: str) -> str:
    phone = validators.normalize_phone(phone or "")
    if not phone:
        raise ValidationError({"phone": _("Give the new mobile number.")})
    try:
        validators.validate_mobile_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from exc
    return phone


def change_phone(
    *, actor: Any, party_id: Any, phone: str, code: str = "", decision: str = ""
) -> Party:
    """A new phone on a body's record. A record no account acts for takes it from its body's
    staff; one an account acts for needs the holder's code or a director's decision."""
    phone = _checked_phone(phone)
    confirmed = False
    if code:
        _spend_code(actor, party_id, code)
        confirmed = True
    return _change_phone(actor, party_id, phone, confirmed, decision)


@transaction.atomic
def _change_phone(actor: Any, party_id: Any, phone: str, confirmed: bool, decision: str) -> Party:
    party = _record(actor, party_id)
    if phone == party.phone:
        raise ValidationError({"phone": _("This is already the party's number.")})
    old = party.phone
    if party.user_id is None:
        party.phone = phone
        party.save(update_fields=["phone"])
        link_record(party)
        return party
    decision = (decision or "").strip()
    if confirmed:
        method = PhoneChange.Method.CONFIRMED
    elif decision:
        if not (scope_of(actor).is_superuser or scope_of(actor).is_director_of(party.body_id)):
            raise Forbidden(
                _("Only a director may decide on a new number without the party's code.")
            )
        method = PhoneChange.Method.DECISION
    else:
        raise ValidationError(
            {
                "code": _(
                    "This party uses the portal: their new number needs the code sent to them, "
                    "or a director's decision with its reason."
                )
            }
        )
    party.phone = phone
    party.save(update_fields=["phone"])
    PhoneChange.objects.create(
        party=party,
        method=method,
        decision=decision,
        old_phone=old,
        new_phone=phone,
        actor=actor,
    )
    _tell_old_number(party, old)
    return party
