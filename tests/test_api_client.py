"""A client generated from the API's own schema works: registers, accepts, assigns, reads the log.

The schema the live server serves (`/api/schema/`) goes through openapi-python-client, as an
integrator would use it, into a package in a temporary folder; the package is imported and,
with a token got from `POST /api/v1/auth/token/`, drives a dispute through its first steps over
HTTP. What the schema says has to be enough: the request bodies the client sends are the ones it
documents (JSON, with the nested parties of SPEC §7.1), and the answers it parses are the ones
it documents.
"""

from __future__ import annotations

import datetime
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import World

PACKAGE = "fengqiao_client"


def _generate(schema_url: str, folder: Path) -> str:
    """Runs openapi-python-client on the served schema; its output (it fails on errors)."""
    schema = folder / "schema.json"
    schema.write_bytes(httpx.get(schema_url, params={"format": "json"}).raise_for_status().content)
    # Its post-generation hooks run `ruff check --fix` and `ruff format` on the package: the
    # venv's ruff, which needs no network. It looks for `ruff` on PATH.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(folder / PACKAGE),
        ],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    return output


@pytest.fixture
def generated(live_server: Any, tmp_path: Path) -> Iterator[tuple[ModuleType, str]]:
    """The generated package, imported, and what the generator said."""
    output = _generate(f"{live_server.url}/api/schema/", tmp_path)
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE), output
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _token(base_url: str, username: str, password: str) -> str:
    answer = httpx.post(
        f"{base_url}/api/v1/auth/token/", json={"username": username, "password": password}
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["token"])


def test_generated_client_registers_accepts_assigns_and_reads_the_log(
    live_server: Any, world: World, generated: tuple[ModuleType, str]
) -> None:
    client_package, output = generated
    # The generator formatted its output with ruff (found and run offline), and parsed every
    # JSON body: it skips only the PDF downloads, whose content type it cannot model.
    assert "ruff is not in PATH" not in output, output
    skipped = [line for line in output.splitlines() if line.startswith("WARNING parsing")]
    assert all(line.endswith(("/pdf/ within v1.", "/preview/ within v1.")) for line in skipped), (
        output
    )

    models = importlib.import_module(f"{PACKAGE}.models")

    def operation(name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.v1.{name}")

    client = client_package.AuthenticatedClient(
        base_url=live_server.url,
        token=_token(live_server.url, world.director.username, "pw"),
        prefix="Token",
        raise_on_unexpected_status=True,
    )

    # Register a dispute with its parties in one call, as SPEC §7.1 writes it.
    received = datetime.date.today() - datetime.timedelta(days=1)
    registration = models.DisputeCreateRequest(
        category=models.CategoryEnum.TRAFFIC,
        channel=models.ChannelEnum.POLICE,
        body=world.body.pk,
        title="两车追尾人身损害赔偿",
        facts="2026年3月1日，两车在东湖区追尾，申请人受伤。",
        claimed_amount="86000.00",
        received_at=received,
        # One body shape per kind of party: a person's papers, an organization's.
        parties=[
            models.PersonPartyInputRequest(
                role=models.RoleEnum.APPLICANT,
                kind=models.PersonPartyInputKindEnum.PERSON,
                name="张伟",
                id_type=models.PersonPartyInputIdTypeEnum.RESIDENT_ID,
                id_number="11010519491231002X",
                phone="13800138000",
            ),
            models.PersonPartyInputRequest(
                role=models.RoleEnum.RESPONDENT,
                kind=models.PersonPartyInputKindEnum.PERSON,
                name="李娜",
            ),
            models.OrganizationPartyInputRequest(
                role=models.RoleEnum.THIRD_PARTY,
                kind=models.OrganizationPartyInputKindEnum.ORGANIZATION,
                name="某财产保险股份有限公司南昌分公司",
                id_type=models.OrganizationPartyInputIdTypeEnum.USCC,
                id_number="91360100MA35ABCDE2",
                organization_type=models.OrganizationTypeEnum.INSURER,
            ),
        ],
    )
    answer = operation("v1_disputes_create").sync_detailed(client=client, body=registration)
    assert answer.status_code == 201, answer.content
    dispute = answer.parsed
    assert isinstance(dispute, models.Dispute)
    assert dispute.state == models.DisputeStateEnum.REGISTERED
    assert dispute.body == world.body.pk and dispute.received_at == received
    assert dispute.claimed_amount == "86000.00"
    assert [(p.role, p.name) for p in dispute.parties] == [
        ("applicant", "张伟"),
        ("respondent", "李娜"),
        ("third_party", "某财产保险股份有限公司南昌分公司"),
    ]

    accept = operation("v1_disputes_transitions_accept_create")
    answer = accept.sync_detailed(
        dispute.id, client=client, body=models.AcceptTransitionInputRequest(reason="材料齐全")
    )
    assert answer.status_code == 200, answer.content
    assert answer.parsed.state == models.DisputeStateEnum.ACCEPTED

    assign = operation("v1_disputes_transitions_assign_create")
    answer = assign.sync_detailed(
        dispute.id,
        client=client,
        body=models.AssignTransitionInputRequest(
            mediator=world.mediator.pk, track=models.TrackEnum.PEOPLE
        ),
    )
    assert answer.status_code == 200, answer.content
    assigned = answer.parsed
    assert assigned.state == models.DisputeStateEnum.ASSIGNED
    assert assigned.mediator == world.mediator.pk

    answer = operation("v1_disputes_log_list").sync_detailed(dispute.id, client=client)
    assert answer.status_code == 200, answer.content
    steps = [(entry.transition, entry.from_state, entry.to_state) for entry in answer.parsed]
    assert steps[-2:] == [("accept", "registered", "accepted"), ("assign", "accepted", "assigned")]
    assert answer.parsed[-2].reason == "材料齐全"

    # A refusal comes back parsed too: assigning again is not possible now (409, its reasons).
    answer = assign.sync_detailed(
        dispute.id,
        client=client,
        body=models.AssignTransitionInputRequest(mediator=world.mediator.pk),
    )
    assert answer.status_code == 409
    assert isinstance(answer.parsed, models.Error) and answer.parsed.detail
