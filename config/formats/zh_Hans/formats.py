"""zh-Hans formats as Chinese financial documents write amounts: ¥86,000.00 (Django's own
zh_Hans formats group by ten thousands with no separator)."""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
