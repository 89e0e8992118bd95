"""Benchmark of the PDF rendering: a 2-page, 4-party Chinese settlement agreement, and a
30-page case file (调解卷宗).

Run by hand from the project folder:  .venv/bin/python bench/pdf.py [runs]

Prints the median and p90 render and signing times and the file size (signed), against the
goals (agreement: median render <= 250 ms, file <= 200 KB; case file: median <= 2 s). The first
render (fonts loading) and the first signature (keys, stamp font) are reported apart and not
counted. Keys and the case file's database are made in a temporary directory, never in var/.

The case file is timed as `close` makes it once its papers are issued (they are issued as the
case goes: the acceptance notice, each session's minutes, the agreement, the application): laid
out, the papers laid in, signed. Its first making, which issues every paper too, is reported
apart.
"""

from __future__ import annotations

import atexit
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
_TMP = tempfile.mkdtemp(prefix="fengqiao-bench-")
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)
os.environ["FENGQIAO_PKI_DIR"] = f"{_TMP}/pki"
os.environ["FENGQIAO_FONT_CACHE_DIR"] = f"{_TMP}/fonts"
os.environ["FENGQIAO_PKI_AUTO_CREATE"] = "1"
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP}/bench.sqlite3"
os.environ["MEDIA_ROOT"] = f"{_TMP}/media"

import django  # noqa: E402

django.setup()

from io import BytesIO  # noqa: E402

from pypdf import PdfReader  # noqa: E402

from documents.rendering import harfbuzz_subset_available, render_pdf  # noqa: E402
from tests.documents.samples import agreement_context  # noqa: E402

GOAL_MEDIAN_MS = 250
GOAL_SIZE_KB = 200
GOAL_CASE_FILE_MEDIAN_MS = 2000
CASE_FILE_PAGES = 30


def sign(pdf: bytes) -> bytes:
    """The PDF signed by a body's certificate, as documents.generation signs it. The bench
    makes its own development CA and body certificate in a temporary directory."""
    from documents.signing import sign_pdf

    return sign_pdf(
        pdf,
        body_id=1,
        body_name="东湖区医疗纠纷人民调解委员会",
        reason="人民调解协议书",
        location="南昌市东湖区",
    )


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main(runs: int = 20) -> int:
    context = agreement_context("zh-hans")
    print(f"HarfBuzz-Subset: {'yes' if harfbuzz_subset_available() else 'NO (fontTools: slow)'}")

    start = time.perf_counter()
    pdf = render_pdf("agreement", context, lang="zh-hans")
    first_ms = (time.perf_counter() - start) * 1000
    pages = len(PdfReader(BytesIO(pdf)).pages)
    parties = len(context["parties"])
    print(f"document: agreement, zh-hans, {parties} parties, {pages} pages")
    print(f"first render (loads fonts): {first_ms:.0f} ms")

    times = []
    for _ in range(runs):
        start = time.perf_counter()
        pdf = render_pdf("agreement", context, lang="zh-hans")
        times.append((time.perf_counter() - start) * 1000)
    median, p90 = statistics.median(times), percentile(times, 0.9)
    size_kb = len(pdf) / 1024
    print(f"render x{runs}: median {median:.0f} ms, p90 {p90:.0f} ms, min {min(times):.0f} ms")
    print(f"size: {size_kb:.1f} KB")

    sign(pdf)  # the first signature makes the keys and cuts the stamp font
    sign_times = []
    for _ in range(runs):
        start = time.perf_counter()
        signed = sign(pdf)
        sign_times.append((time.perf_counter() - start) * 1000)
    print(
        f"sign x{runs}: median {statistics.median(sign_times):.0f} ms, "
        f"p90 {percentile(sign_times, 0.9):.0f} ms; signed size {len(signed) / 1024:.1f} KB"
    )
    size_kb = max(size_kb, len(signed) / 1024)

    ok_time = median <= GOAL_MEDIAN_MS
    ok_size = size_kb <= GOAL_SIZE_KB
    print(f"goal render <= {GOAL_MEDIAN_MS} ms median: {'OK' if ok_time else 'MISSED'}")
    print(f"goal size <= {GOAL_SIZE_KB} KB: {'OK' if ok_size else 'MISSED'}")
    return 0 if ok_time and ok_size else 1


def closed_case() -> int:
    """A closed traffic case with six parties, nine sessions held and minuted (each signed by
    everyone present), a signed agreement and a confirmation by the court: its file runs to
    about 30 pages. Written as rows, as the tests' factories write them."""
    import base64
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    from documents.agreements import add_terms
    from documents.minutes import minutes_sha256
    from documents.models import MinutesSignature
    from mediation.kernel.roles import Role
    from parties.models import PartyKind, PartyRole, RightsAcknowledgement
    from tests import factories as f
    from tests.documents.samples import signature_png_uri

    call_command("migrate", verbosity=0)
    body = f.MediationBodyFactory(name="东湖区道路交通事故纠纷人民调解委员会")
    court = f.CourtFactory(name="南昌市东湖区人民法院", code="赣0102")
    mediator = f.MediatorFactory(body=body)
    clerk = f.UserFactory(roles=[Role.CLERK])
    f.StaffMemberFactory(user=clerk, body=body)
    today = timezone.localdate()
    dispute = f.DisputeFactory(
        body=body,
        court=court,
        mediator=mediator,
        state="closed",
        category="traffic",
        title="机动车交通事故责任纠纷",
        outcome="success",
        close_outcome="performed",
        received_at=today - datetime.timedelta(days=40),
        accepted_at=today - datetime.timedelta(days=39),
        signed_at=today - datetime.timedelta(days=5),
        concluded_at=today - datetime.timedelta(days=5),
        facts="2026年10月3日，被申请人驾驶小型轿车与申请人驾驶的电动自行车相撞，申请人受伤。" * 4,
    )
    roles = [PartyRole.APPLICANT, PartyRole.APPLICANT, PartyRole.RESPONDENT]
    principals = [f.CasePartyFactory(dispute=dispute, role=role) for role in roles]
    insurer = f.CasePartyFactory(
        dispute=dispute,
        role=PartyRole.THIRD_PARTY,
        party=f.PartyFactory(
            name="中国人民财产保险股份有限公司南昌市分公司", kind=PartyKind.ORGANIZATION
        ),
    )
    principals.append(insurer)
    f.CasePartyFactory(dispute=dispute, role=PartyRole.AGENT, represents=principals[2])
    for cp in principals:
        RightsAcknowledgement.objects.create(case_party=cp, channel="in_person", recorded_by=clerk)
    image = base64.b64decode(signature_png_uri().split(",", 1)[1])
    minutes = "申请人陈述事故经过及诉求；被申请人对责任划分无异议，对误工费计算有异议。" * 6
    for number in range(9):
        session = f.MediationSessionFactory(
            dispute=dispute,
            scheduled_at=timezone.now() - datetime.timedelta(days=30 - 3 * number),
            status="held",
            minutes=minutes,
        )
        session.attendees.set(dispute.case_parties.all())
        session.mediators.set([mediator])
        for attendee in session.attendees.select_related("party"):
            MinutesSignature.objects.create(
                session=session,
                attendee=attendee,
                signer_name=attendee.party.name,
                image=image,
                user=mediator.user,
                text_sha256=minutes_sha256(minutes),
            )
        MinutesSignature.objects.create(
            session=session,
            mediator=mediator,
            signer_name=mediator.display_name,
            image=image,
            user=mediator.user,
            text_sha256=minutes_sha256(minutes),
        )
    add_terms(
        dispute, "被申请人及其保险人赔偿申请人医疗费、误工费等共计人民币86000元。", actor=None
    )
    f.ReferralFactory(dispute=dispute, court=court, state="decided", decision="confirmed")
    return dispute.pk


def case_file(runs: int) -> bool:
    from documents.case_file import render_case_file
    from documents.generation import pdf_of
    from documents.models import Document
    from documents.papers import paper
    from mediation.cases.models import Dispute

    dispute_id = closed_case()
    start = time.perf_counter()
    document = paper(dispute_id, "case_file")
    first_ms = (time.perf_counter() - start) * 1000
    pages = len(PdfReader(BytesIO(pdf_of(document))).pages)
    print(f"\ndocument: case file, zh-hans, {pages} pages (goal: {CASE_FILE_PAGES})")
    print(f"first making (issues every paper too): {first_ms:.0f} ms")
    dispute = Dispute.objects.select_related("body", "mediator__user", "court").get(pk=dispute_id)
    times = []
    for _ in range(max(runs // 2, 5)):
        start = time.perf_counter()
        pdf, seal = render_case_file(dispute, "zh-hans", verification_code="BENCH0000000")
        sign_case_file(pdf, seal)
        times.append((time.perf_counter() - start) * 1000)
    median, p90 = statistics.median(times), percentile(times, 0.9)
    print(
        f"assemble and sign x{len(times)}: median {median:.0f} ms, p90 {p90:.0f} ms; "
        f"signed size {document.file.size / 1024:.0f} KB; papers {Document.objects.count() - 1}"
    )
    ok = median <= GOAL_CASE_FILE_MEDIAN_MS
    print(f"goal case file <= {GOAL_CASE_FILE_MEDIAN_MS} ms median: {'OK' if ok else 'MISSED'}")
    return ok


def sign_case_file(pdf: bytes, seal: object) -> bytes:
    from documents.signing import sign_pdf

    return sign_pdf(
        pdf,
        body_id=1,
        body_name="东湖区道路交通事故纠纷人民调解委员会",
        reason="调解卷宗",
        box=seal.box if seal else None,  # type: ignore[attr-defined]
        on_page=seal.page if seal else -1,  # type: ignore[attr-defined]
        over_drawn_seal=seal is not None,
    )


if __name__ == "__main__":
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    agreement_ok = main(runs) == 0
    case_file_ok = case_file(runs)
    sys.exit(0 if agreement_ok and case_file_ok else 1)
