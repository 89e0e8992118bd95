"""Telling people what concerns them: e-mail through Django's configured backend,
SMS through `documents.sms` (FENGQIAO_SMS_BACKEND). The development backends write to the
server's output and log.

Who hears of what (the receivers in `mediation.notifications.receivers` decide when):

- a mediator assigned or reassigned: the assigned mediator, by e-mail;
- a session scheduled: the attending parties by SMS (time, and place or link) and the session's
  mediators by e-mail with the `.ics` attached;
- the agreement recorded: every party with a mobile number by SMS (a landline on file is logged
  as not texted), and parties' portal accounts with an e-mail address;
- a litigation referral or confirmation application sent: the court's staff, by e-mail;
- a delegation or entrustment sent by a court: the body's clerks and directors, by e-mail;
- a court recording receipt of a body's referral: the case's mediator, by e-mail.

The messages are built here, after the commit, by `deliver` (run by the task): they read the case
afresh. Sending never fails the step: every error is logged with the address masked. Messages
are in the site's language (Chinese), short, and carry no ID or phone numbers (free text such as
titles is masked too, in case someone typed a number into it). Sessions whose time has passed
announce nothing.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courts.models import INBOUND_KINDS, OUTBOUND_KINDS, CourtStaff, Referral, ReferralState
from documents import sms
from mediation.calendar import ics as calendar
from mediation.calendar.ics import mask_numbers
from mediation.cases.models import Dispute, MediationSession, StaffMember
from mediation.kernel.choices import Category, SessionStatus
from mediation.kernel.presentation import display_name
from mediation.kernel.roles import Role
from parties.models import CaseParty
from parties.validators import is_mobile_phone, mask_phone

logger = logging.getLogger("fengqiao.notifications")


# --- what goes out -----------------------------------------------------------------------------


@dataclass
class Outbox:
    mails: list[EmailMessage] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (phone, message)
    # Numbers on file that no text reaches (landlines): logged with the reason, never sent to.
    not_mobile: list[str] = field(default_factory=list)

    def mail(self, user: Any, subject: str, lines: Iterable[str]) -> EmailMessage | None:
        """Queue a mail to `user`, if they have an address and an active account."""
        address = (getattr(user, "email", "") or "").strip()
        if not address or not user.is_active:
            return None
        if any(address.lower() in message.to for message in self.mails):
            return None
        body = "\n".join(
            [
                _("Dear %(name)s,") % {"name": display_name(user)},
                "",
                *lines,
                "",
                _("Fengqiao: %(url)s") % {"url": site_url()},
                _("This message was sent automatically; please do not reply to it."),
            ]
        )
        message = EmailMessage(subject=" ".join(subject.split()), body=body, to=[address.lower()])
        self.mails.append(message)
        return message

    def text(self, phone: str, message: str) -> None:
        phone = (phone or "").strip()
        if not phone:
            return
        if not is_mobile_phone(phone):
            if phone not in self.not_mobile:
                self.not_mobile.append(phone)
            return
        if all(phone != queued for queued, _message in self.texts):
            self.texts.append((phone, message))


def deliver(event: str, builder: str, args: list[int]) -> None:
    """Build the event's messages with one of `BUILDERS` and send them; failures are logged with
    the addresses masked, never raised (a notification never undoes what was done)."""
    try:
        with translation.override(settings.LANGUAGE_CODE):
            outbox = BUILDERS[builder](*args)
    except Exception:
        logger.exception("Notification %s: the messages could not be prepared.", event)
        return
    for phone in outbox.not_mobile:
        logger.info(
            "Notification %s: no SMS to %s: not a mobile number (a landline is for calling).",
            event,
            mask_phone(phone),
        )
    for phone, message in outbox.texts:
        try:
            sms.send_sms(phone, message)
        except Exception as exc:
            logger.error(
                "Notification %s: SMS to %s failed: %s",
                event,
                mask_phone(phone),
                _scrub(exc, phone),
            )
        else:
            logger.debug("Notification %s: SMS to %s", event, mask_phone(phone))
    for mail in outbox.mails:
        address = mail.to[0]
        try:
            mail.send(fail_silently=False)
        except Exception as exc:
            logger.error(
                "Notification %s: e-mail to %s failed: %s",
                event,
                mask_email(address),
                _scrub(exc, address),
            )
        else:
            logger.debug("Notification %s: e-mail to %s", event, mask_email(address))


# --- masking -----------------------------------------------------------------------------------


def mask_email(address: str) -> str:
    """z***@example.com"""
    local, _at, domain = (address or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def _scrub(exc: Exception, secret: str) -> str:
    """An exception's message without the address it failed for, nor any other number."""
    masked = mask_email(secret) if "@" in secret else mask_phone(secret)
    return mask_numbers(f"{type(exc).__name__}: {exc}".replace(secret, masked))


# --- wording -----------------------------------------------------------------------------------


def site_url(path: str = "/") -> str:
    return settings.FENGQIAO_PUBLIC_URL.rstrip("/") + path


def case_url(dispute: Dispute) -> str:
    """The case page of the staff's workbench (the site's front page if it is not mounted)."""
    try:
        return site_url(reverse("workbench:case", args=[dispute.pk]))
    except NoReverseMatch:
        return site_url()


def _when(value: datetime.datetime) -> str:
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def _case(dispute: Dispute) -> dict[str, str]:
    return {
        "reference": dispute.reference,
        "title": mask_numbers(dispute.title),
        "body": dispute.body.name,
    }


def _separator() -> str:
    return "、" if (translation.get_language() or "").startswith("zh") else ", "


def _party_names(dispute: Dispute) -> str:
    parties = CaseParty.objects.filter(dispute=dispute).select_related("party").order_by("id")
    return _separator().join(dict.fromkeys(cp.party.name for cp in parties))


# --- events (built after commit, in the site's language) --------------------------------------


def _assignment(dispute_id: int, mediator_id: int) -> Outbox:
    outbox = Outbox()
    dispute = Dispute.objects.select_related("body", "mediator__user").get(pk=dispute_id)
    if dispute.mediator_id != mediator_id:
        return outbox  # reassigned again before this went out: the later one tells the news
    case = _case(dispute)
    lines = [
        _("Case %(reference)s “%(title)s” of %(body)s has been assigned to you.") % case,
        _("Category: %(category)s") % {"category": Category(dispute.category).label},
        _("Parties: %(names)s") % {"names": _party_names(dispute)},
    ]
    if dispute.deadline:
        lines.append(_("Deadline: %(date)s") % {"date": _day(dispute.deadline)})
    lines += ["", _("Open the case: %(url)s") % {"url": case_url(dispute)}]
    subject = _("Case %(reference)s has been assigned to you") % case
    outbox.mail(dispute.mediator.user, subject, lines)
    return outbox


def _session_text(session: MediationSession, facts: dict[str, str]) -> str:
    """The SMS to an attending party: when, and where or how to join."""
    place = mask_numbers(session.place)
    link = session.online_link
    if place and link:
        return _(
            "【枫桥】Case %(reference)s: mediation session on %(time)s at %(place)s, "
            "or online: %(link)s"
        ) % {**facts, "place": place, "link": link}
    if link:
        return _("【枫桥】Case %(reference)s: online mediation session on %(time)s: %(link)s") % {
            **facts,
            "link": link,
        }
    return _("【枫桥】Case %(reference)s: mediation session on %(time)s at %(place)s.") % {
        **facts,
        "place": place,
    }


def _session_scheduled(session_id: int) -> Outbox:
    outbox = Outbox()
    session = calendar.with_people(MediationSession.objects.filter(pk=session_id)).first()
    if (
        session is None
        or session.status != SessionStatus.SCHEDULED
        or session.scheduled_at < timezone.now()
    ):
        return outbox
    dispute = session.dispute
    case = _case(dispute)
    facts = {**case, "time": _when(session.scheduled_at)}
    text = _session_text(session, facts)
    for attendee in session.attendees.all():
        outbox.text(attendee.party.phone, text)

    ics = calendar.session_calendar(session)
    attendees = _separator().join(cp.party.name for cp in session.attendees.all())
    lines = [
        _("A mediation session of case %(reference)s “%(title)s” has been scheduled.") % case,
        _("Time: %(time)s") % facts,
    ]
    if session.place:
        lines.append(_("Place: %(place)s") % {"place": mask_numbers(session.place)})
    if session.online_link:
        lines.append(_("Online link: %(link)s") % {"link": session.online_link})
    if attendees:
        lines.append(_("Attendees: %(names)s") % {"names": attendees})
    lines += [
        _("The calendar file is attached."),
        "",
        _("Open the case: %(url)s") % {"url": case_url(dispute)},
    ]
    subject = _("Mediation session of case %(reference)s on %(time)s") % facts
    for mediator in session.mediators.all():
        mail = outbox.mail(mediator.user, subject, lines)
        if mail is not None:
            mail.attach(calendar.session_filename(session), ics, "text/calendar")
    return outbox


def _agreement_ready(dispute_id: int) -> Outbox:
    outbox = Outbox()
    dispute = Dispute.objects.select_related("body").get(pk=dispute_id)
    case = _case(dispute)
    text = (
        _(
            "【枫桥】The agreement of case %(reference)s is ready to be signed; "
            "sign in person at %(body)s or online in Fengqiao."
        )
        % case
    )
    parties = CaseParty.objects.filter(dispute=dispute).select_related("party__user")
    for case_party in parties.order_by("id"):
        outbox.text(case_party.party.phone, text)
    subject = _("The agreement of case %(reference)s is ready to be signed") % case
    lines = [
        _(
            "The mediation agreement of case %(reference)s “%(title)s” is ready to be signed. "
            "Sign it in person at %(body)s, or sign in to Fengqiao and sign it online with a "
            "code sent to your phone."
        )
        % case,
    ]
    for case_party in parties.order_by("id"):
        if case_party.party.user is not None:
            outbox.mail(case_party.party.user, subject, lines)
    return outbox


def _referral(referral_id: int, action: str) -> Outbox:
    outbox = Outbox()
    referral = Referral.objects.select_related(
        "court", "dispute__body", "dispute__mediator__user"
    ).get(pk=referral_id)
    dispute = referral.dispute
    facts = {
        **_case(dispute),
        "kind": referral.get_kind_display(),
        "court": referral.court.name,
    }
    inbox = site_url(reverse("courts:inbox"))
    if action == "send" and referral.kind in OUTBOUND_KINDS:
        # A body sends a case to litigation or for confirmation: the court's staff.
        subject = _("%(kind)s from %(body)s: case %(reference)s") % facts
        lines = [
            _("%(body)s has sent case %(reference)s “%(title)s” to %(court)s: %(kind)s.") % facts,
            _("Record its receipt in the court inbox: %(url)s") % {"url": inbox},
        ]
        staff = CourtStaff.objects.filter(court=referral.court, active=True).select_related("user")
        for member in staff.order_by("id"):
            outbox.mail(member.user, subject, lines)
    elif action == "send" and referral.kind in INBOUND_KINDS:
        # A court delegates or entrusts a case: the body's clerks and directors. One the body's
        # own desk registered from paper is already received, and needs no announcement.
        if referral.state != ReferralState.SENT:
            return outbox
        subject = _("%(kind)s from %(court)s: case %(reference)s") % facts
        lines = [
            _("%(court)s has sent case %(reference)s “%(title)s” to %(body)s: %(kind)s.") % facts,
        ]
        if referral.case_number:
            lines.append(_("Court case number: %(number)s") % {"number": referral.case_number})
        if dispute.deadline:
            lines.append(_("Deadline: %(date)s") % {"date": _day(dispute.deadline)})
        lines.append(_("Accept or decline it: %(url)s") % {"url": case_url(dispute)})
        staff = (
            StaffMember.objects.filter(
                body=dispute.body,
                active=True,
                user__groups__name__in=[Role.CLERK.value, Role.DIRECTOR.value],
            )
            .select_related("user")
            .distinct()
        )
        for member in staff.order_by("id"):
            outbox.mail(member.user, subject, lines)
    elif action == "receive" and referral.kind in OUTBOUND_KINDS and dispute.mediator:
        # The court has the body's referral in hand: the case's mediator.
        received = referral.received_at or timezone.now()
        subject = _("%(court)s has received case %(reference)s") % facts
        lines = [
            _(
                "%(court)s recorded receipt of case %(reference)s “%(title)s” (%(kind)s) "
                "on %(time)s."
            )
            % {**facts, "time": _when(received)},
            _("Open the case: %(url)s") % {"url": case_url(dispute)},
        ]
        outbox.mail(dispute.mediator.user, subject, lines)
    return outbox


# What `deliver` may build, by the name the task carries (a task's arguments are plain data).
BUILDERS: dict[str, Callable[..., Outbox]] = {
    "assignment": _assignment,
    "agreement_ready": _agreement_ready,
    "session_scheduled": _session_scheduled,
    "referral_send": partial(_referral, action="send"),
    "referral_receive": partial(_referral, action="receive"),
}
