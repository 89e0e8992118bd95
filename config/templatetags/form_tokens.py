"""`{% form_token %}`: the hidden one-time token a form guarded by `one_submission` carries."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from config.formtokens import FIELD, issue

register = template.Library()


@register.simple_tag(takes_context=True)
def form_token(context: dict[str, Any]) -> SafeString | str:
    """A fresh token at each use, so that every form of a page has its own."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, issue(user))
