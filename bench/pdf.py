"""Benchmark of the PDF rendering: a 2-page, 4-party Chinese settlement agreement.

Run by hand from the project folder:  .venv/bin/python bench/pdf.py [runs]

Prints the median and p90 render and signing times and the file size (signed), against the
goals (median render <= 250 ms, file <= 200 KB). The first render (fonts loading) and the first
signature (keys, stamp font) are reported apart and not counted. Keys are made in a temporary
directory, never in var/.
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

import django  # noqa: E402

django.setup()

from io import BytesIO  # noqa: E402

from pypdf import PdfReader  # noqa: E402

from documents.rendering import harfbuzz_subset_available, render_pdf  # noqa: E402
from tests.documents.samples import agreement_context  # noqa: E402

GOAL_MEDIAN_MS = 250
GOAL_SIZE_KB = 200


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


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
