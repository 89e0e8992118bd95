"""A state machine's steps over the API, as a dispute's and a referral's viewsets answer them.

The object (dispute or referral) after a change, the steps the caller may take now
(`GET …/transitions/`) and taking one (`POST …/transitions/<name>/`, answered with the object as
it is after it) work the same for both. A viewset mixes `StepsMixin` in, says how to read its
object, list its steps and take one, and keeps its own actions, which carry its own schema, as
one line each. Service errors are left to `mediation.kernel.api.exceptions`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response


class StepsMixin:
    """For a `GenericViewSet` whose serializer shows the object with its state."""

    # Validates a step's input; its `expected_state` (the state the caller saw) is passed on
    # apart from the rest.
    step_input_serializer: type[serializers.Serializer]

    request: Request
    if TYPE_CHECKING:
        # GenericAPIView's, which the viewset this is mixed into has.
        def get_serializer(self, *args: Any, **kwargs: Any) -> serializers.BaseSerializer: ...

    def detail_object(self, pk: Any) -> Any:
        """The object as its detail shows it; NotFound when the caller may not see it."""
        raise NotImplementedError

    def available_steps(self, pk: Any) -> list[tuple[str, str]]:
        """(name, label) of each step the caller may take now."""
        raise NotImplementedError

    def take(self, pk: Any, name: str, data: dict[str, Any], expected_state: Any) -> None:
        """Take step `name` through the service, as the caller."""
        raise NotImplementedError

    def detail_response(self, pk: Any, code: int = status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(self.detail_object(pk)).data, status=code)

    def steps_response(self, pk: Any) -> Response:
        steps = self.available_steps(pk)
        return Response([{"name": name, "label": label} for name, label in steps])

    def take_step_response(self, pk: Any, name: str) -> Response:
        payload = self.step_input_serializer(data=self.request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        expected_state = data.pop("expected_state", None)
        self.take(pk, name, data, expected_state)
        return self.detail_response(pk)
