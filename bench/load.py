"""Load benchmark: gunicorn with production settings on 127.0.0.1, 50 clients.

Run by hand from the project folder, against a PostgreSQL database of its own:

    DATABASE_URL=postgres://fengqiao:fengqiao@127.0.0.1:5432/fengqiao_load \\
        .venv/bin/python bench/load.py [--clients 50] [--workers 5] [--read-seconds 20] \\
        [--mixed-seconds 22]

It migrates and seeds the demo data (idempotent), starts gunicorn (`config.production`, plain
HTTP on 127.0.0.1 only, notifications off so no mail is written per request; Celery eager unless
CELERY_BROKER_URL is set), then, within a minute in all (each wrk run has 3 s of untimed warm-up):

1. reads: `wrk` with `--clients` connections GETs one dispute's detail (`/api/v1/disputes/{id}/`,
   token auth) for `--read-seconds`; prints requests/s, p50, p99 and errors;
   then the API root the same way for 8 s, for reference: the ceiling any authenticated call
   has on this machine;
2. mixed: `--clients` asyncio clients (aiohttp) for `--mixed-seconds`, each looping over detail
   reads, list reads, registrations (`POST /api/v1/disputes/`) and the `accept` of a dispute it
   registered; prints throughput, p50/p99 per kind and errors;
3. reconciliation: the disputes and log rows added during the mixed phase must equal what the
   clients were told they did (one dispute and one log row per 201 registration, one log row
   per 200 accept).

Goals (exit status 1 when one is missed): zero errors, detail reads >= 400 req/s, p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import logging
import os
import platform
import random
import re
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import warnings
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

# The figures, not the chatter: sign-ins (axes), the demo data's notifications, and WhiteNoise
# warning that `collectstatic` has not run (no page here needs a static file).
for _name in (
    "axes",
    "celery",
    "fengqiao.sms",
    "kombu",
):
    logging.getLogger(_name).setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message="No directory at", module="django.core.handlers.base")

import aiohttp  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from knox.models import AuthToken  # noqa: E402

from mediation.cases.models import Dispute, MediationBody, TransitionLog  # noqa: E402
from parties.crypto import _derived  # noqa: E402

GOAL_READ_RPS = 400.0
GOAL_P99_MS = 100.0
REFERENCE_SECONDS = 8
PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))]


# --- set-up --------------------------------------------------------------------------------------


def prepare() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    users = get_user_model().objects
    clerk = users.get(username="clerk1")
    body = MediationBody.objects.get(pk=clerk.staff_member.body_id)
    tokens = {
        name: AuthToken.objects.create(user=users.get(username=name))[1]
        for name in ("clerk1", "director1")
    }
    detail = Dispute.objects.filter(body=body).order_by("pk").values_list("pk", flat=True).first()
    category = (body.categories or ["traffic"])[0]  # one the body takes
    return {"body": body.pk, "category": category, "tokens": tokens, "detail": detail}


def start_gunicorn(workers: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_LOG_LEVEL": "WARNING",
        "FENGQIAO_NOTIFICATIONS": "0",
        # The keys the seeding above used (the development ones), unless set: the same data.
        "FENGQIAO_FIELD_KEYS": os.environ.get("FENGQIAO_FIELD_KEYS", _derived("encrypt").decode()),
        "FENGQIAO_SEARCH_KEY": os.environ.get("FENGQIAO_SEARCH_KEY", _derived("search").decode()),
    }
    process = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/health/", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit("gunicorn did not answer /health/ within 30 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


# --- 1. detail reads with wrk --------------------------------------------------------------------


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(setup: dict[str, Any], clients: int, seconds: int, path: str | None = None) -> str:
    url = BASE + (path or f"/api/v1/disputes/{setup['detail']}/")
    token = setup["tokens"]["director1"]
    command = ["wrk", "-t2", f"-c{clients}", f"-d{seconds}s", "--latency"]
    command += ["-H", f"Authorization: Token {token}", url]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def reads(
    setup: dict[str, Any], clients: int, seconds: int, path: str | None = None
) -> dict[str, Any]:
    # Every gunicorn worker's first requests import and connect: warm them up, untimed.
    _wrk(setup, clients, 3, path)
    out = _wrk(setup, clients, seconds, path)
    if "99%" not in out:
        raise SystemExit(f"wrk measured nothing:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)(?:\.000)?%\s+(\S+)\s*$", out, re.M))
    if "99" not in latency:
        raise SystemExit(f"no p99 in wrk's output:\n{out}")
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        errors += sum(int(n) for n in socket.groups())
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),  # type: ignore[union-attr]
        "p50": _ms(latency["50"]),
        "p99": _ms(latency["99"]),
        "errors": errors,
    }


# --- 2. mixed clients ----------------------------------------------------------------------------


def _registration(setup: dict[str, Any], n: int) -> dict[str, Any]:
    return {
        "category": setup["category"],
        "channel": "walk_in",
        "body": setup["body"],
        "title": f"负载测试 {n}",
        "received_at": datetime.date.today().isoformat(),
        "parties": [
            {"role": "applicant", "kind": "person", "name": f"申请人{n}"},
            {"role": "respondent", "kind": "person", "name": f"被申请人{n}"},
        ],
    }


async def _client(index: int, setup: dict[str, Any], until: float, tally: dict[str, Any]) -> None:
    rng = random.Random(index)
    headers = {"Authorization": f"Token {setup['tokens']['clerk1']}"}
    mine: list[int] = []  # registered by this client, not yet accepted
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(BASE, headers=headers, timeout=timeout) as session:
        n = 0
        while time.monotonic() < until:
            n += 1
            roll = rng.random()
            if roll < 0.5:
                kind, call = "detail", session.get(f"/api/v1/disputes/{setup['detail']}/")
                expected = {200}
            elif roll < 0.7:
                kind, call = "list", session.get("/api/v1/disputes/?state=registered")
                expected = {200}
            elif roll < 0.85 or not mine:
                payload = _registration(setup, index * 1_000_000 + n)
                kind, call = "register", session.post("/api/v1/disputes/", json=payload)
                expected = {201}
            else:
                dispute = mine.pop()
                url = f"/api/v1/disputes/{dispute}/transitions/accept/"
                kind, call = "accept", session.post(url, json={"reason": "负载测试"})
                expected = {200}
            start = time.perf_counter()
            try:
                async with call as answer:
                    text = await answer.text()
                    status = answer.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                tally["errors"].append(f"{kind}: {exc!r}")
                continue
            tally["times"][kind].append((time.perf_counter() - start) * 1000)
            if status not in expected:
                tally["errors"].append(f"{kind}: {status} {text[:200]}")
                continue
            tally["ok"][kind] += 1
            if kind == "register":
                mine.append(json.loads(text)["id"])


def mixed(setup: dict[str, Any], clients: int, seconds: int) -> dict[str, Any]:
    tally: dict[str, Any] = {"times": defaultdict(list), "ok": defaultdict(int), "errors": []}
    until = time.monotonic() + seconds

    async def run() -> None:
        await asyncio.gather(*(_client(i, setup, until, tally) for i in range(clients)))

    started = time.perf_counter()
    asyncio.run(run())
    tally["elapsed"] = time.perf_counter() - started
    return tally


def counts() -> tuple[int, int]:
    connection.close()  # a fresh snapshot
    return Dispute.objects.count(), TransitionLog.objects.count()


# --- main ----------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--read-seconds", type=int, default=20)
    parser.add_argument("--mixed-seconds", type=int, default=22)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Refused: run against PostgreSQL (DATABASE_URL), as production does.")

    print("Fengqiao load benchmark")
    print(f"  CPU: {os.cpu_count()} cores; Python {platform.python_version()}")
    print(f"  gunicorn: {args.workers} workers on {BASE}; {args.clients} clients")
    broker = os.environ.get("CELERY_BROKER_URL") or "none (tasks eager, notifications off)"
    print(f"  broker: {broker}")
    setup = prepare()
    server = start_gunicorn(args.workers)
    try:
        read = reads(setup, args.clients, args.read_seconds)
        # The same clients on the API root, which only authenticates the token (one query) and
        # answers a few links: what this machine allows any authenticated API call.
        ceiling = reads(setup, args.clients, REFERENCE_SECONDS, "/api/v1/")
        before = counts()
        tally = mixed(setup, args.clients, args.mixed_seconds)
        after = counts()
    finally:
        stop(server)

    print(f"\n1. detail reads (wrk, {args.read_seconds} s): {read['requests']:,} requests")
    print(
        f"   {read['rps']:.0f} req/s, p50 {read['p50']:.1f} ms, p99 {read['p99']:.1f} ms, "
        f"errors {read['errors']}"
    )
    print(
        f"   for reference, the API root (token authentication only), {REFERENCE_SECONDS} s: "
        f"{ceiling['rps']:.0f} req/s, p50 {ceiling['p50']:.1f} ms, p99 {ceiling['p99']:.1f} ms"
    )
    total = sum(len(t) for t in tally["times"].values())
    print(
        f"\n2. mixed ({args.mixed_seconds} s): {total:,} requests, "
        f"{total / tally['elapsed']:.0f} req/s, errors {len(tally['errors'])}"
    )
    for kind, times in sorted(tally["times"].items()):
        print(
            f"   {kind:9} {len(times):6,} requests  p50 {statistics.median(times):6.1f} ms  "
            f"p99 {percentile(times, 0.99):6.1f} ms  ok {tally['ok'][kind]:,}"
        )
    for line in tally["errors"][:10]:
        print(f"   error: {line}")

    registered, accepted = tally["ok"]["register"], tally["ok"]["accept"]
    disputes, logs = after[0] - before[0], after[1] - before[1]
    reconciled = disputes == registered and logs == registered + accepted
    print(
        f"\n3. reconciliation: {disputes:,} disputes added for {registered:,} registrations; "
        f"{logs:,} log rows for {registered:,} + {accepted:,} accepts: "
        f"{'exact' if reconciled else 'MISMATCH'}"
    )

    errors = read["errors"] + len(tally["errors"])
    goals = [
        (f"zero errors ({errors})", errors == 0),
        (
            f"detail reads {read['rps']:.0f} req/s >= {GOAL_READ_RPS:.0f}",
            read["rps"] >= GOAL_READ_RPS,
        ),
        (f"detail p99 {read['p99']:.1f} ms <= {GOAL_P99_MS:.0f}", read["p99"] <= GOAL_P99_MS),
        ("counts reconcile", reconciled),
    ]
    print("\nGoals")
    for label, ok in goals:
        print(f"  {label}: {'OK' if ok else 'MISSED'}")
    return 0 if all(ok for _label, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
