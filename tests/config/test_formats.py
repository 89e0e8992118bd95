"""Amounts are written ¥86,000.00 in both languages (SPEC §1 users read them in ledgers)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_amounts_are_grouped_by_thousands_with_commas(lang: str) -> None:
    template = Template('¥{{ amount|floatformat:"2g" }}')
    with translation.override(lang):
        assert template.render(Context({"amount": Decimal("1286000.5")})) == "¥1,286,000.50"
