"""Who mediates: mediation bodies, their staff and mediators, and the counters that number
their cases. `mediation.cases.models` names them too, as the rest of the code imports them."""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from mediation.kernel.choices import BodyKind, Track


def category_list_default() -> list[str]:
    return []


def new_calendar_token() -> str:
    """A long random secret addressing a mediator's calendar feed."""
    return secrets.token_urlsafe(32)


# The divisions a body's name begins with: 江西省南昌市东湖区百花洲街道…; a place is 2–6
# characters before its unit, so that 城市管理 is no place called 城.
PLACE = re.compile(r"(.{2,6}?)(?:自治区|省|市|区|县|街道|镇|乡|社区|村)")
# What a body mediates, as the character of its numbers: 医调, 交调, 校调 … (first match wins).
FIELDS = (
    ("医", "医"),
    ("交通", "交"),
    ("交警", "交"),
    ("学校", "校"),
    ("校园", "校"),
    ("教育", "校"),
    ("劳动", "劳"),
    ("物业", "物"),
    ("婚姻", "家"),
    ("家事", "家"),
    ("家庭", "家"),
    ("金融", "金"),
    ("消费", "消"),
    ("旅游", "旅"),
    ("特邀", "特"),
    ("法院", "法"),
)


def derive_short_name(name: str) -> str:
    """A short name for case numbers from a body's name: the innermost place the name begins
    with, the field it mediates in, and 调 — 东湖区医疗纠纷人民调解委员会 → 东湖医调,
    南昌市东湖区百花洲街道人民调解委员会 → 百花洲调. A name that begins with no place gives
    its first two characters."""
    rest = "".join(name.split())
    place = ""
    while (found := PLACE.match(rest)) is not None:
        place, rest = found.group(1), rest[found.end() :]
    if not place:
        place, rest = rest[:2], rest[2:]
    field = next((abbr for word, abbr in FIELDS if word in rest), "")
    return f"{place}{field}调"


def free_short_name(base: str, taken: Collection[str]) -> str:
    """`base`, or `base` with the first number that makes it free: 东湖医调2."""
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}{n}"
    return candidate


class MediationBody(models.Model):
    """调解组织: the organisation that mediates."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # The short name in its case numbers (字号), e.g. 东医调 in （2026）东医调字第123号. Every
    # body has one (the admin requires it; derived where bodies were made without): blank only
    # for rows written around them, whose cases keep their Fengqiao reference.
    short_name = models.CharField(_("short name for case numbers"), max_length=20, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=BodyKind.choices)
    track = models.CharField(_("track served"), max_length=20, choices=Track.choices)
    region = models.CharField(_("region"), max_length=100, blank=True)
    # Where parties come and whom they call: printed on its papers and shown in the portal.
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("telephone"), max_length=30, blank=True)
    categories = models.JSONField(_("categories taken"), default=category_list_default, blank=True)
    default_deadline_days = models.PositiveSmallIntegerField(
        _("default deadline (days)"), default=30, validators=[MinValueValidator(1)]
    )
    # Optional per-category overrides, e.g. {"medical": 60}.
    deadline_days_by_category = models.JSONField(
        _("deadline days by category"), default=dict, blank=True
    )
    # The basic court of the place where the body sits: judicial confirmation of its agreements
    # is applied for there unless a court delegated the case (SPEC §2).
    court = models.ForeignKey(
        "courts.Court",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="bodies",
        verbose_name=_("basic court of its place"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("mediation body")
        verbose_name_plural = _("mediation bodies")
        constraints = [
            # Two bodies with one short name would print the same case number.
            models.UniqueConstraint(
                fields=["short_name"],
                condition=~models.Q(short_name=""),
                name="body_short_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def deadline_days_for(self, category: str) -> int:
        return int(self.deadline_days_by_category.get(category, self.default_deadline_days))


class StaffMember(models.Model):
    """Binds a clerk or director (or any non-mediating staff) to the body they work for."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_member"
    )
    body = models.ForeignKey(MediationBody, on_delete=models.PROTECT, related_name="staff")
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff members")

    def __str__(self) -> str:
        return f"{self.user} @ {self.body}"


class Mediator(models.Model):
    """调解员: a member of a body who runs cases assigned to them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mediator"
    )
    body = models.ForeignKey(MediationBody, on_delete=models.PROTECT, related_name="mediators")
    categories = models.JSONField(_("categories"), default=category_list_default, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # A calendar app cannot sign in, so the mediator's feed
    # (/calendar/mediators/<token>.ics) is addressed by this secret;
    # `mediation.calendar.ics.reset_calendar_token` replaces it.
    calendar_token = models.CharField(
        _("calendar feed token"),
        max_length=64,
        unique=True,
        default=new_calendar_token,
        editable=False,
    )

    class Meta:
        ordering = ["id"]
        verbose_name = _("mediator")
        verbose_name_plural = _("mediators")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = f"{self.user.last_name}{self.user.first_name}".strip()
        return full or self.user.get_username()


class ReferenceCounter(models.Model):
    """Last reference serial handed out per year; rows are locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CaseNumberCounter(models.Model):
    """Last case number serial a body handed out in a year; locked while a number is taken."""

    body = models.ForeignKey(MediationBody, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["body", "year"], name="case_number_counter_body_year")
        ]

    def __str__(self) -> str:
        return f"{self.body_id}/{self.year}: {self.last}"
