"""`scope_of` reads a user's roles and affiliations in one query (bench/load.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mediation.kernel.roles import Role, scope_of
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_several_roles_and_an_affiliation_in_one_query() -> None:
    user = f.UserFactory(roles=[Role.DIRECTOR, Role.CLERK])
    staff = f.StaffMemberFactory(user=user)
    with CaptureQueriesContext(connection) as queries:
        scope = scope_of(user)
    assert len(queries) == 1
    assert scope.roles == frozenset({Role.DIRECTOR.value, Role.CLERK.value})
    assert scope.body_id == staff.body_id and scope.is_director_of(staff.body_id)
    assert scope_of(user) is scope  # kept on the user object for the rest of the request


def test_no_role_and_no_affiliation() -> None:
    scope = scope_of(f.UserFactory(roles=[]))
    assert scope.roles == frozenset() and scope.body_id is None and scope.portal_account_id is None


def test_a_mediator_of_a_body() -> None:
    mediator = f.MediatorFactory()
    scope = scope_of(mediator.user)
    assert scope.roles == frozenset({Role.MEDIATOR.value})
    assert (scope.mediator_id, scope.body_id) == (mediator.pk, mediator.body_id)
