"""A test client that posts pages' forms as a browser does: with the form's one-time token.

Pages put a fresh token in each form they render (`{% form_token %}`); `FormClient.post` adds
one issued the same way for the signed-in user, unless the test sends its own `form_token`
(to post the same form twice, or none at all).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.test import Client

from config.formtokens import FIELD, issue


def fresh_token(user: Any) -> str:
    """A token as the page renders it for `user` (a User or a Mediator row)."""
    return issue(getattr(user, "user", user))


class FormClient(Client):
    def post(self, path: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:
        user_id = (
            self.session.get(SESSION_KEY) if settings.SESSION_COOKIE_NAME in self.cookies else None
        )
        if user_id is not None and (data is None or isinstance(data, dict)):
            data = dict(data or {})
            if FIELD not in data:
                data[FIELD] = issue(get_user_model()(pk=int(user_id)))
        return super().post(path, data, *args, **kwargs)
