"""Create the development PKI: a root CA and one signing certificate per mediation body.

    python manage.py make_dev_pki [--body ID ...]

Writes under ``settings.FENGQIAO_PKI_DIR`` (layout in :mod:`documents.pki`). Idempotent: files
that exist are never overwritten, so a second run creates nothing. A body renamed after its
certificate was issued keeps the old certificate; delete its two files and run again to reissue.
Production installs its own CA certificate and body certificates instead (see documents.pki).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents import pki
from mediation.cases.models import MediationBody


def _common_name(cert_path: Path) -> str:
    try:
        cert = x509.load_pem_x509_certificates(cert_path.read_bytes())[0]
        attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    except (OSError, ValueError):
        return ""
    return str(attrs[0].value) if attrs else ""


class Command(BaseCommand):
    help = "Create a development CA and a signing certificate for every (or each given) body."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--body",
            dest="bodies",
            type=int,
            nargs="+",
            action="extend",
            metavar="ID",
            help="only these mediation bodies (default: all)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        bodies = MediationBody.objects.order_by("pk")
        wanted = options["bodies"]
        if wanted:
            bodies = bodies.filter(pk__in=wanted)
            unknown = sorted(set(wanted) - {b.pk for b in bodies})
            if unknown:
                raise CommandError(f"No such mediation body: {', '.join(map(str, unknown))}")
        if not settings.DEBUG:
            self.stderr.write(
                "Note: DEBUG is off. These are development certificates; production installs its "
                "own CA and body certificates in FENGQIAO_PKI_DIR."
            )
        base = pki.pki_dir()
        self.stdout.write(f"PKI directory: {base}")
        try:
            self._report("CA", pki.ensure_dev_ca(), pki.ca_paths(), base)
            for body in bodies:
                paths = pki.body_signer_paths(body.pk)
                created = pki.ensure_body_certificate(body.pk, body.name)
                self._report(f"body {body.pk} {body.name}", created, paths, base)
                issued_to = _common_name(paths[1])
                if (
                    not created
                    and issued_to
                    and issued_to != pki.common_name_for(body.pk, body.name)
                ):
                    self.stdout.write(
                        f"  note: the certificate names {issued_to!r}; delete its files and run "
                        "again to reissue it for the current name"
                    )
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from exc

    def _report(self, label: str, created: list[Path], paths: tuple[Path, ...], base: Path) -> None:
        created_set = set(created)
        for path in paths:
            shown = path.relative_to(base) if path.is_relative_to(base) else path
            if path in created_set:
                self.stdout.write(self.style.SUCCESS(f"{label}: created {shown}"))
            elif path.exists():
                self.stdout.write(f"{label}: already exists {shown}")
            else:
                self.stdout.write(self.style.WARNING(f"{label}: missing {shown}"))
