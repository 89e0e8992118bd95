"""Fixtures of the authorization matrix: the test language kept, files under the test's own
directory, and one client of each kind per module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import translation
from rest_framework.test import APIClient

from tests.authorization.harness import Clients
from tests.form_tokens import FormClient


@pytest.fixture(autouse=True)
def _keep_the_test_language() -> Iterator[None]:
    # Pages activate the request's language in this thread; later tests expect the default.
    language = translation.get_language()
    yield
    translation.activate(language)


@pytest.fixture(autouse=True)
def _files_in_tmp(settings: Any, tmp_path: Any) -> None:
    # Documents are signed with development certificates made on the fly; uploads and PDFs are
    # stored under the test's own directory.
    settings.FENGQIAO_PKI_DIR = tmp_path / "pki"
    settings.FENGQIAO_PKI_AUTO_CREATE = True
    settings.FENGQIAO_FONT_CACHE_DIR = tmp_path / "fonts"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(scope="module")
def clients() -> Clients:
    # One client of each kind for the whole module: each new client loads the middleware again,
    # and WhiteNoise's scan of the static files would cost more than the rows themselves. A 500
    # is answered as a status, so that it is reported as the row's discrepancy like any other.
    return Clients(
        FormClient(raise_request_exception=False), APIClient(raise_request_exception=False)
    )
