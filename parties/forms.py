"""Forms of the party portal: signing in with a phone number and a code, and signing online."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from parties.validators import normalize_phone, validate_mobile_phone


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "autofocus": True}
        ),
    )

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        validate_mobile_phone(phone)
        return phone


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code is six digits.")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "maxlength": 6,
                "autofocus": True,
            }
        ),
    )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip()


class SigningCodeRequestForm(forms.Form):
    signatory = forms.IntegerField(widget=forms.HiddenInput)


class SigningForm(forms.Form):
    signatory = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    code = forms.CharField(
        label=_("Code"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": 6}
        ),
    )
    # An organisation signs through a named person and its seal, as in person; the page shows
    # these for organisations only, and the service requires them there.
    signer_name = forms.CharField(
        label=_("Name of the person who signs for it"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    representative_role = forms.CharField(
        label=_("Signs for the organisation as"),
        max_length=100,
        required=False,
        help_text=_("e.g. 法定代表人, 理赔经办人"),
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )
    seal_affixed = forms.BooleanField(label=_("The organisation's seal is affixed"), required=False)

    def representative_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("signer_name", "representative_role", "seal_affixed")]
