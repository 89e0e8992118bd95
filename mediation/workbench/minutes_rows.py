"""What the case page shows of a held session's minutes (调解笔录): who present has signed,
refused or not yet, a form for the next one (a drawn signature, or a refusal with the mediator's
note), and the signed PDF once everyone has."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents.minutes import MinutesSigner, is_signable, minutes_signers, session_number
from documents.minutes_signing import MinutesSignatureInput
from mediation.cases.minutes import MinutesReader
from mediation.cases.models import Dispute, MediationSession
from mediation.kernel.choices import SessionStatus
from mediation.kernel.roles import scope_of
from mediation.workbench.agreement_forms import _drawn_image


class MinutesSignatureForm(forms.Form):
    """One person present signs the minutes on the mediator's device, or refuses to."""

    signer = forms.CharField(widget=forms.HiddenInput)  # MinutesSigner.key
    signer_name = forms.CharField(
        label=_("Name, typed by the signer"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    representative_role = forms.CharField(
        label=_("Signs for the organisation as"),
        max_length=100,
        required=False,
        help_text=_("e.g. 法定代表人, 理赔经办人"),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    # The drawing, as a PNG data URI; a page refused for another field sends it back here, and
    # static/js/signature.js draws it on the pad again.
    image = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-image": ""}))
    refused = forms.BooleanField(label=_("Refuses to sign (拒绝签字)"), required=False)
    note = forms.CharField(
        label=_("Mediator's note on the refusal"),
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, signer: MinutesSigner, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_minutes_{signer.key}_%s")
        kwargs.setdefault("initial", {"signer": signer.key})
        super().__init__(*args, **kwargs)
        self.person = signer
        if signer.organization:
            self.fields["signer_name"].label = _("Name of the person who signs for it")
        else:
            del self.fields["representative_role"]
        if signer.mediator is not None:  # a mediator of the session signs; only attendees refuse
            del self.fields["refused"]
            del self.fields["note"]

    def clean_image(self) -> bytes:
        return _drawn_image(self.cleaned_data.get("image") or "")

    def to_input(self) -> MinutesSignatureInput:
        data = self.cleaned_data
        refused = bool(data.get("refused"))
        return MinutesSignatureInput(
            attendee=self.person.attendee.pk if self.person.attendee else None,
            mediator=self.person.mediator.pk if self.person.mediator else None,
            signer_name=data.get("signer_name") or "",
            representative_role=data.get("representative_role") or "",
            image=b"" if refused else data["image"],
            refused=refused,
            note=data.get("note") or "",
        )

    def add_service_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc.messages)
            return
        for field, messages in exc.message_dict.items():
            self.add_error(field if field in self.fields else None, messages)


def attach_minutes(
    user: Any,
    dispute: Dispute,
    sessions: Sequence[MediationSession],
    reader: MinutesReader,
    *,
    failed: tuple[int, MinutesSignatureForm] | None = None,
) -> None:
    """Give each held session whose minutes the user may read its `minutes_block` (None for the
    others): the signers, the form for the next one when the user records, the PDF links."""
    scope = scope_of(user)
    may_record = (
        scope.is_superuser
        or scope.is_mediator(dispute.mediator_id)
        or scope.is_director_of(dispute.body_id)
    )
    for session in sessions:
        session.minutes_block = None
        if session.status != SessionStatus.HELD or not reader.may_read(session):
            continue
        signers = minutes_signers(session)
        waiting = [s for s in signers if s.signature is None]
        form = None
        if may_record and is_signable(session) and waiting:
            if failed is not None and failed[0] == session.pk:
                form = failed[1]
            else:
                form = MinutesSignatureForm(signer=waiting[0])
        complete = is_signable(session) and not waiting
        pdf = reverse("api-minutes-pdf", args=[dispute.pk, session.pk]) if complete else ""
        session.minutes_block = {
            "number": session_number(session),
            "signers": signers,
            "form": form,
            "open": failed is not None and failed[0] == session.pk,
            "complete": complete,
            "pdf": pdf,
        }
