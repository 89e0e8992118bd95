"""Benchmark at scale: the list API, the workbench queue and the rates on PostgreSQL
with many disputes, and the speed of a 100,000-row ledger import.

Run by hand from the project folder, against a database of its own (it empties the disputes):

    DATABASE_URL=postgres://fengqiao:fengqiao@127.0.0.1:5432/fengqiao_bench \\
        .venv/bin/python bench/scale.py [--sizes 10000,1000000] [--runs 30] [--no-import]

For each size: empty the disputes and parties, generate that many with `generate_cases` (timed),
VACUUM ANALYZE (the steady state a live database reaches: statistics and visibility map), then
time through the real URLs, after three warm-up requests each, the median and p90 of `--runs`:

- the list API's first page filtered by state and category (`GET /api/v1/disputes/`), as the
  director of the busiest body and as a superuser;
- the workbench queue (`/cases/`) as that director, on its first tab and on "all";
- the rates grouped by category × track (`GET /api/v1/stats/rates/`), as a superuser.

Then, unless --no-import, the import of a 100,000-row ledger (CSV, SPEC §8) on top of the last size,
by `mediation.ledger.importer.import_ledger`. Prints the machine and the goals next to the figures
(list median <= 30 ms and time(largest) / time(smallest) <= 1.3; rates median <= 250 ms; import >=
5,000 rows/s); exit status 1 when a goal is missed. SQLite is refused: the figures would say nothing
about production.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

# The figures, not the chatter: a sign-in logged per measured session (axes), and WhiteNoise
# warning that `collectstatic` has not run (no page here needs a static file).
logging.getLogger("axes").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from mediation.cases.models import Dispute, MediationBody, Mediator, StaffMember  # noqa: E402
from mediation.kernel.roles import Role, ensure_role_groups  # noqa: E402
from mediation.ledger.columns import COLUMNS  # noqa: E402
from mediation.ledger.importer import import_ledger  # noqa: E402

GOAL_LIST_MS = 30.0
GOAL_LIST_GROWTH = 1.3
GOAL_RATES_MS = 250.0
GOAL_IMPORT_ROWS_S = 5_000
SEED = 2026
WARM_UP = 3

# Filters that fill the first page (20) at 10,000 cases too, so both sizes serialize as much.
LIST_DIRECTOR = "/api/v1/disputes/?state=signed&category=traffic"
LIST_SUPERUSER = "/api/v1/disputes/?state=closed&category=financial"
QUEUE = "/cases/"
RATES = "/api/v1/stats/rates/?group_by=category,track"
LEDGER_HEADER = list(COLUMNS)  # the English header of SPEC §8


# --- the machine ---------------------------------------------------------------------------------


def _proc(path: str, key: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "?"


def machine() -> list[str]:
    ram = _proc("/proc/meminfo", "MemTotal")
    if ram.endswith("kB"):
        ram = f"{int(ram.split()[0]) / 1024 / 1024:.1f} GB"
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        (version,) = cursor.fetchone()
        names = ("shared_buffers", "work_mem", "jit", "max_parallel_workers_per_gather")
        knobs = []
        for knob in names:
            cursor.execute("SELECT current_setting(%s)", [knob])
            knobs.append(f"{knob}={cursor.fetchone()[0]}")
    return [
        f"CPU: {os.cpu_count()} x {_proc('/proc/cpuinfo', 'model name')}",
        f"RAM: {ram}",
        f"PostgreSQL: {version.split(' on ')[0]} ({', '.join(knobs)})",
        f"Python {platform.python_version()}, Django {django.get_version()}",
    ]


# --- data ----------------------------------------------------------------------------------------


def reset() -> None:
    """Empty the disputes and everything hanging off them, and the parties."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE mediation_dispute, parties_party, mediation_figureslice, mediation_figuredays"
            " CASCADE"
        )


def generate(size: int) -> float:
    """Seconds `manage.py generate_cases` takes, run as its own process (as it is run by hand),
    which also leaves this process's memory, and its garbage collector, as small as before."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "generate_cases", str(size), "--seed", str(SEED)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def vacuum_analyze() -> float:
    start = time.perf_counter()
    with connection.cursor() as cursor:
        for table in (
            "mediation_dispute",
            "mediation_transitionlog",
            "parties_caseparty",
            "parties_party",
        ):
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    return time.perf_counter() - start


def users() -> tuple[Any, Any]:
    """A superuser, and a director of the body with the most disputes."""
    ensure_role_groups()
    user_model = get_user_model()
    admin, _made = user_model.objects.get_or_create(
        username="bench-admin", defaults={"is_superuser": True, "is_staff": True}
    )
    busiest = Dispute.objects.values("body").annotate(n=Count("id")).order_by("-n").first() or {}
    body = MediationBody.objects.get(pk=busiest["body"])
    director, _made = user_model.objects.get_or_create(
        username="bench-director", defaults={"last_name": "测", "first_name": "试"}
    )
    director.groups.add(Group.objects.get(name=Role.DIRECTOR.value))
    StaffMember.objects.update_or_create(user=director, defaults={"body": body, "active": True})
    return admin, director


# --- timing --------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(get: Callable[[], Any], runs: int) -> dict[str, Any]:
    """Median and p90 (ms) of `runs` requests after the warm-up; queries of one request."""
    for _ in range(WARM_UP):
        answer = get()
        if answer.status_code != 200:
            raise SystemExit(f"answer {answer.status_code}: {answer.content[:300]!r}")
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        get()
        times.append((time.perf_counter() - start) * 1000)
    with CaptureQueriesContext(connection) as captured:
        answer = get()
    slowest = max((float(q["time"]) for q in captured.captured_queries), default=0.0)
    data = getattr(answer, "data", None)
    if isinstance(data, dict) and "results" in data:
        shown = f"{len(data['results'])} of {data['count']:,}"
    elif isinstance(data, dict) and "rows" in data:
        shown = f"{len(data['rows'])} rows"
    else:
        rows = answer.content.decode().count('<tr class="case')
        shown = f"{rows} rows"
    return {
        "median": statistics.median(times),
        "p90": percentile(times, 0.9),
        "queries": len(captured),
        "slowest_query": slowest * 1000,
        "shown": shown,
    }


def endpoints(admin: Any, director: Any) -> dict[str, Callable[[], Any]]:
    api_admin = APIClient()
    api_admin.force_authenticate(admin)
    api_director = APIClient()
    api_director.force_authenticate(director)
    web = Client()
    web.force_login(director)
    return {
        "list (director)": lambda: api_director.get(LIST_DIRECTOR),
        "list (superuser)": lambda: api_admin.get(LIST_SUPERUSER),
        "queue (director)": lambda: web.get(QUEUE),
        "queue all (director)": lambda: web.get(QUEUE, {"tab": "all"}),
        "rates category x track": lambda: api_admin.get(RATES),
    }


# --- ledger import -------------------------------------------------------------------------------


def write_ledger(path: Path, rows: int) -> None:
    """A ledger of `rows` concluded and open cases of the bodies there are (SPEC §8 columns)."""
    rng = random.Random(SEED)
    today = timezone.localdate()
    bodies = list(MediationBody.objects.filter(mediators__isnull=False).distinct())
    mediators: dict[int, list[str]] = {}
    for mediator in Mediator.objects.select_related("user").filter(body__in=bodies):
        mediators.setdefault(mediator.body_id, []).append(mediator.display_name)
    stamp = time.strftime("%y%m%d%H%M")
    outcomes = ["success"] * 50 + ["failure"] * 30 + ["withdrawn"] * 8 + ["declined"] * 4
    outcomes += ["open"] * 8
    names = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    with path.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(LEDGER_HEADER)
        for n in range(rows):
            body = bodies[n % len(bodies)]
            received = today - datetime.timedelta(days=rng.randint(40, 3 * 365))
            outcome = rng.choice(outcomes)
            accepted = "" if outcome == "declined" else received + datetime.timedelta(days=2)
            concluded = ""
            if outcome == "declined":
                concluded = received + datetime.timedelta(days=3)
            elif outcome != "open":
                concluded = received + datetime.timedelta(days=rng.randint(5, 40))
            claimed = rng.randint(1_000, 300_000)
            agreed = f"{claimed * rng.uniform(0.3, 0.9):.2f}" if outcome == "success" else ""
            parties = f"applicant:{rng.choice(names)}伟;respondent:{rng.choice(names)}娜"
            if rng.random() < 0.2:
                parties += ";third_party:人保财险南昌分公司"
            out.writerow(
                [
                    f"TZ{stamp}-{n:06d}",
                    rng.choice(body.categories or ["traffic", "family", "financial"]),
                    body.track,
                    body.name,
                    rng.choice(mediators[body.pk]) if accepted else "",
                    "walk_in",
                    received.isoformat(),
                    accepted.isoformat() if accepted else "",
                    concluded.isoformat() if concluded else "",
                    outcome,
                    f"{claimed}.00",
                    agreed,
                    parties,
                ]
            )


def import_speed(rows: int) -> tuple[float, int] | str:
    """(seconds, rows imported) of one import, or why it could not run."""
    with tempfile.TemporaryDirectory(prefix="fengqiao-bench-") as folder:
        path = Path(folder) / "ledger.csv"
        write_ledger(path, rows)
        size = path.stat().st_size
        limit = max(settings.FENGQIAO_LEDGER_MAX_BYTES, size)
        if size > settings.FENGQIAO_LEDGER_MAX_BYTES:
            # Bodies' names are long in Chinese (3 bytes a character): say so, measure anyway.
            print(
                f"  note: the ledger is {size / 1e6:.1f} MB, over FENGQIAO_LEDGER_MAX_BYTES "
                f"({settings.FENGQIAO_LEDGER_MAX_BYTES / 1e6:.0f} MB); raised for the measurement"
            )
        with override_settings(FENGQIAO_LEDGER_MAX_BYTES=limit):
            start = time.perf_counter()
            report = import_ledger(path, actor=None, dry_run=False, all_or_nothing=True)
            elapsed = time.perf_counter() - start
        print(f"  ledger file: {rows:,} rows, {size / 1e6:.1f} MB")
    imported = int(getattr(report, "imported", 0))
    if imported != rows:
        errors = getattr(report, "errors", None)
        return (
            f"imported {imported} of {rows} rows: {getattr(report, 'message', '')} {errors!r:.300}"
        )
    return elapsed, imported


# --- main ----------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "OK" if ok else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,1000000", help="disputes per round")
    parser.add_argument("--runs", type=int, default=30, help="timed requests per figure")
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--no-import", action="store_true", help="skip the ledger import")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="keep the disputes when there are exactly as many as the size asks (no generation)",
    )
    parser.add_argument(
        "--force", action="store_true", help="run on a database whose name lacks 'bench'"
    )
    args = parser.parse_args()
    sizes = [int(size.replace("_", "")) for size in args.sizes.split(",") if size.strip()]

    if connection.vendor != "postgresql":
        print("bench/scale.py measures PostgreSQL only: set DATABASE_URL=postgres://…")
        return 2
    name = settings.DATABASES["default"]["NAME"]
    if "bench" not in name and not args.force:
        print(f"This empties the disputes of database {name!r}; use a *bench* one or --force.")
        return 2
    call_command("migrate", verbosity=0)

    print("Fengqiao scale benchmark")
    for line in machine():
        print("  " + line)
    print(f"  database {name}, {args.runs} timed runs per figure after {WARM_UP} warm-ups\n")

    results: dict[int, dict[str, dict[str, Any]]] = {}
    for size in sizes:
        if args.reuse and Dispute.objects.count() == size:
            print(f"{size:,} disputes: reused (--reuse), VACUUM ANALYZE {vacuum_analyze():.1f} s")
        else:
            reset()
            took = generate(size)
            analyzed = vacuum_analyze()
            print(
                f"{size:,} disputes: generated in {took:.1f} s ({size / took:,.0f}/s), "
                f"VACUUM ANALYZE {analyzed:.1f} s"
            )
        admin, director = users()
        body = StaffMember.objects.get(user=director).body
        print(f"  director of {body.name} ({body.disputes.count():,} disputes)")
        results[size] = {}
        for label, get in endpoints(admin, director).items():
            figures = measure(get, args.runs)
            results[size][label] = figures
            print(
                f"  {label:24} median {figures['median']:7.1f} ms  p90 {figures['p90']:7.1f} ms"
                f"  ({figures['queries']} queries, slowest {figures['slowest_query']:.0f} ms;"
                f" {figures['shown']})"
            )
        print()

    ok = True
    smallest, largest = min(sizes), max(sizes)
    print("Goals")
    for label in ("list (director)", "list (superuser)"):
        median = results[largest][label]["median"]
        good = median <= GOAL_LIST_MS
        print(f"  {label} median at {largest:,} <= {GOAL_LIST_MS:.0f} ms: {verdict(good)}")
        ok &= good
        if largest != smallest:
            growth = median / results[smallest][label]["median"]
            good = growth <= GOAL_LIST_GROWTH
            print(
                f"  {label} time({largest:,}) / time({smallest:,}) = {growth:.2f} "
                f"<= {GOAL_LIST_GROWTH}: {verdict(good)}"
            )
            ok &= good
    rates = results[largest]["rates category x track"]["median"]
    good = rates <= GOAL_RATES_MS
    print(f"  rates median at {largest:,} <= {GOAL_RATES_MS:.0f} ms: {verdict(good)}")
    ok &= good

    if args.no_import:
        print("  ledger import: skipped (--no-import)")
    else:
        outcome = import_speed(args.import_rows)
        if isinstance(outcome, str):
            print(f"  ledger import: not measured: {outcome}")
            ok = False
        else:
            elapsed, imported = outcome
            speed = imported / elapsed
            good = speed >= GOAL_IMPORT_ROWS_S
            print(
                f"  ledger import of {imported:,} rows in {elapsed:.1f} s = {speed:,.0f} rows/s "
                f">= {GOAL_IMPORT_ROWS_S:,}: {verdict(good)}"
            )
            ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    # The suite's trick: no collectstatic here, so static names resolve without the manifest.
    with override_settings(
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ):
        sys.exit(main())
