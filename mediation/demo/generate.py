"""Generate many realistic disputes for scale tests.

    python manage.py generate_cases N [--seed S] [--since YYYY-MM-DD] [--chunk-size 20000]

Makes N disputes received between --since (default three years ago) and today, each with its
parties (2–4: applicant, respondent, sometimes a third party such as an insurer, a hospital or a
bank, a guardian for a minor at school) and its append-only transition log: one row per step of
the case's way through the state machine (SPEC §3), from `register` to the state it is in now,
dated along the way and marked `{"generated": true}`. The fields the rates read (SPEC §6) are set
as the transitions set them: outcome, accepted/signed/concluded dates, the agreed amount of
successes (some zero), the claimed amount, the deadline and its due-soon day (SPEC §4), the
closing outcome of closed cases.

Cases are spread over categories, channels, bodies and their mediators. Existing bodies with an
active mediator are used; while there are fewer than eight, generated bodies with generated
mediators (inactive users with no usable password) are added. Courts are reused, or two are made
when there are none. Organisations (insurers, banks, hospitals, schools) are each body's records
found by their USCC, so running the command again reuses them; people are new records without ID
numbers. References read GEN-YYYY-NNNNNNN, apart from the FQ-YYYY-NNNNNN numbers of registration,
and continue after the highest one already there, so a second run adds N more.

Rows are built and written in chunks, table by table, with `mediation.kernel.bulk.insert` (COPY on
PostgreSQL), one transaction per chunk: memory stays bounded and a million cases take minutes.
On PostgreSQL two threads write chunks, each on its own connection, while the main thread builds
the next: Python and the database then keep both cores of a small server busy. The same seed,
count, --since and day give the same cases (row ids aside).
What the generator leaves out: mediation sessions, agreement documents and court referral rows.

The bodies, courts and organisations are prepared in `generate_world`, each case's way through
the state machine is drawn in `generate_paths`, and the rows are written by `generate_rows`.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from mediation.cases.models import Dispute
from mediation.demo.generate_paths import Path, between, choice, days, pick, weighted
from mediation.demo.generate_rows import (
    NEW_DISPUTE,
    NEW_PARTY,
    Case,
    Chunk,
    write,
    write_behind,
)
from mediation.demo.generate_world import World, prepare_world
from mediation.demo.people import GIVEN, SURNAMES
from mediation.kernel.choices import (
    COURT_CHANNELS,
    OPEN_STATES,
    Category,
    Channel,
    DeadlineStatus,
    Outcome,
)
from parties.models import OrganizationType, Party, PartyKind, PartyRole, Sex

PREFIX = "GEN"
SERIAL_DIGITS = 7
DEFAULT_CHUNK = 20_000
# Plain strings rather than the choices' enum members: `insert` writes those as they are.
PERSON = str(PartyKind.PERSON)
MALE, FEMALE = str(Sex.MALE), str(Sex.FEMALE)
SUCCESS = str(Outcome.SUCCESS)
OPEN = frozenset(str(state) for state in OPEN_STATES)
OVERDUE, DUE_SOON = str(DeadlineStatus.OVERDUE), str(DeadlineStatus.DUE_SOON)

# --- what cases look like --------------------------------------------------------------------

CATEGORY_WEIGHTS = {
    Category.TRAFFIC: 32,
    Category.FINANCIAL: 26,
    Category.FAMILY: 20,
    Category.MEDICAL: 13,
    Category.SCHOOL: 9,
}
CHANNEL_WEIGHTS = {
    Category.TRAFFIC: {
        Channel.POLICE: 45,
        Channel.WALK_IN: 20,
        Channel.COURT_DELEGATED: 15,
        Channel.COURT_ENTRUSTED: 5,
        Channel.HOTLINE: 5,
        Channel.ONLINE: 5,
        Channel.GRID: 5,
    },
    Category.FINANCIAL: {
        Channel.INSTITUTION: 50,
        Channel.COURT_DELEGATED: 25,
        Channel.COURT_ENTRUSTED: 10,
        Channel.ONLINE: 10,
        Channel.WALK_IN: 5,
    },
    Category.MEDICAL: {
        Channel.WALK_IN: 45,
        Channel.HOTLINE: 15,
        Channel.PETITION: 15,
        Channel.ONLINE: 10,
        Channel.COURT_DELEGATED: 10,
        Channel.GRID: 5,
    },
    Category.SCHOOL: {
        Channel.WALK_IN: 40,
        Channel.GRID: 25,
        Channel.HOTLINE: 15,
        Channel.PETITION: 10,
        Channel.ONLINE: 10,
    },
    Category.FAMILY: {
        Channel.WALK_IN: 35,
        Channel.GRID: 25,
        Channel.HOTLINE: 10,
        Channel.ONLINE: 10,
        Channel.COURT_DELEGATED: 10,
        Channel.COURT_ENTRUSTED: 5,
        Channel.PETITION: 5,
    },
}
# Typical claimed amount (CNY): the median and the spread of a log-normal draw.
CLAIMED = {
    Category.TRAFFIC: (40_000, 1.0),
    Category.FINANCIAL: (120_000, 1.2),
    Category.MEDICAL: (150_000, 1.0),
    Category.SCHOOL: (15_000, 0.9),
    Category.FAMILY: (60_000, 1.3),
}
# Agreements with no compensation at all (medical cases found without fault, mostly).
ZERO_COMPENSATION = {Category.MEDICAL: 0.10}
ZERO_COMPENSATION_OTHERS = 0.02

TITLES = {
    Category.TRAFFIC: [
        "机动车交通事故责任纠纷",
        "交通事故人身损害赔偿纠纷",
        "非机动车交通事故纠纷",
    ],
    Category.FINANCIAL: ["金融借款合同纠纷", "信用卡纠纷", "保证合同纠纷"],
    Category.MEDICAL: ["医疗损害责任纠纷", "医疗服务合同纠纷"],
    Category.SCHOOL: ["校园人身伤害纠纷", "教育机构责任纠纷"],
    Category.FAMILY: ["离婚纠纷", "抚养费纠纷", "赡养纠纷", "继承纠纷", "婚约财产纠纷"],
}


def last_serials(years: range) -> dict[int, int]:
    """The highest GEN-YYYY-… serial already stored, per year (0 when there is none)."""
    serials: dict[int, int] = {}
    for year in years:
        last = (
            Dispute.objects.filter(reference__startswith=f"{PREFIX}-{year}-")
            .order_by("-reference")
            .values_list("reference", flat=True)
            .first()
        )
        serials[year] = int(last.rsplit("-", 1)[1]) if last else 0
    return serials


# --- the cases -----------------------------------------------------------------------------------


class CaseMaker:
    """Builds the rows of generated cases; nothing is written here."""

    def __init__(
        self,
        rng: random.Random,
        world: World,
        *,
        since: datetime.date,
        today: datetime.date,
        total: int,
        serials: dict[int, int],
    ) -> None:
        self.rng = rng
        self.world = world
        self.body_id = 0  # the body of the case being made: its parties are its records
        self.since = since
        self.today = today
        self.span = (today - since).days + 1
        self.total = total
        # The highest generated serial stored per year, and the first case of each year: a
        # case's reference follows from its number alone, so parts of a run made by different
        # processes never take the same one.
        self.serials = serials
        self.first_of_year = {year: self.first_index(year) for year in serials}
        self.tz = timezone.get_current_timezone()
        self.now = timezone.localtime()
        self.court_codes = dict(world.courts)
        self.categories = weighted(CATEGORY_WEIGHTS)
        self.channels = {c: weighted(w) for c, w in CHANNEL_WEIGHTS.items()}
        self.delegation_days = settings.FENGQIAO_DELEGATION_DEADLINE_DAYS
        self.entrustment_days = settings.FENGQIAO_ENTRUSTMENT_DEADLINE_DAYS
        self.confirmation_window = settings.FENGQIAO_CONFIRMATION_WINDOW_DAYS

    # -- names and people --

    def name(self) -> str:
        return choice(self.rng, SURNAMES) + choice(self.rng, GIVEN)

    def person(self, chunk: Chunk, *, minor: bool = False) -> Party:
        rng = self.rng
        birth = None
        if minor:
            birth = self.today - days(between(rng, 7 * 365, 17 * 365))
        elif rng.random() < 0.5:
            birth = self.today - days(between(rng, 20 * 365, 75 * 365))
        party = NEW_PARTY(
            body_id=self.body_id,
            kind=PERSON,
            name=self.name(),
            phone=""
            if minor or rng.random() < 0.15
            else f"1{choice(rng, '3578')}{int(rng.random() * 10**9):09d}",
            sex=MALE if rng.random() < 0.5 else FEMALE,
            birth_date=birth,
        )
        chunk.new_parties.append(party)
        return party

    def organization(self, organization_type: str) -> Party:
        organization = choice(self.rng, self.world.organizations[organization_type])
        return self.world.record_of(organization, self.body_id)

    def parties(self, category: str, chunk: Chunk) -> list[tuple[str, Party, int | None]]:
        """(role, party, position of the party represented) for one case: 2 to 4 of them."""
        rng = self.rng
        applicant = str(PartyRole.APPLICANT)
        respondent = str(PartyRole.RESPONDENT)
        third = str(PartyRole.THIRD_PARTY)
        guardian = str(PartyRole.GUARDIAN)
        if category == Category.TRAFFIC:
            rows = [(applicant, self.person(chunk), None), (respondent, self.person(chunk), None)]
            if rng.random() < 0.75:
                rows.append((third, self.organization(OrganizationType.INSURER), None))
            if rng.random() < 0.08:
                rows.append((str(PartyRole.AGENT), self.person(chunk), 0))
        elif category == Category.FINANCIAL:
            if rng.random() < 0.75:
                rows = [
                    (applicant, self.organization(OrganizationType.BANK), None),
                    (respondent, self.person(chunk), None),
                ]
                if rng.random() < 0.2:  # the guarantor
                    rows.append((respondent, self.person(chunk), None))
            else:
                rows = [
                    (applicant, self.person(chunk), None),
                    (respondent, self.person(chunk), None),
                    (third, self.organization(OrganizationType.BANK), None),
                ]
        elif category == Category.MEDICAL:
            rows = [
                (applicant, self.person(chunk), None),
                (respondent, self.organization(OrganizationType.HOSPITAL), None),
            ]
            if rng.random() < 0.3:
                rows.append((third, self.organization(OrganizationType.INSURER), None))
        elif category == Category.SCHOOL:
            rows = [
                (applicant, self.person(chunk, minor=True), None),
                (guardian, self.person(chunk), 0),
            ]
            if rng.random() < 0.6:
                rows.append((respondent, self.organization(OrganizationType.SCHOOL), None))
            else:
                rows.append((respondent, self.person(chunk, minor=True), None))
                rows.append((guardian, self.person(chunk), 2))
        else:
            rows = [(applicant, self.person(chunk), None), (respondent, self.person(chunk), None)]
            if rng.random() < 0.12:
                rows.append((third, self.person(chunk), None))
        return rows

    def amount(self, category: str) -> Decimal | None:
        if category == Category.FAMILY and self.rng.random() < 0.3:
            return None
        median, sigma = CLAIMED[category]
        yuan = max(500, int(self.rng.lognormvariate(0, sigma) * median))
        return Decimal(yuan // 10 * 1000).scaleb(-2)

    def agreed(self, category: str, claimed: Decimal | None) -> Decimal:
        rng = self.rng
        if rng.random() < ZERO_COMPENSATION.get(category, ZERO_COMPENSATION_OTHERS):
            return Decimal("0.00")
        base = int(claimed) if claimed else int(CLAIMED[category][0])
        cents = int(base * rng.uniform(0.3, 0.95) * 100)
        if rng.random() < 0.8:
            cents = max(10_000, cents // 10_000 * 10_000)  # whole hundreds of yuan, mostly
        return Decimal(cents).scaleb(-2)

    def received_on(self, index: int) -> datetime.date:
        """Day case number `index` was received: evenly spread, rising with the number (as
        real reference numbers do), never after today."""
        return self.since + days((2 * index + 1) * self.span // (2 * self.total))

    def first_index(self, year: int) -> int:
        """Number of the first case received in `year` or later (`total` when there is none)."""
        low, high = 0, self.total
        while low < high:
            middle = (low + high) // 2
            if self.received_on(middle).year < year:
                low = middle + 1
            else:
                high = middle
        return low

    def reference(self, index: int, received: datetime.date) -> str:
        year = received.year
        serial = self.serials.get(year, 0) + index - self.first_of_year[year] + 1
        if serial >= 10**SERIAL_DIGITS:
            raise CommandError(_("No generated reference left for %(year)s.") % {"year": year})
        return f"{PREFIX}-{year}-{serial:0{SERIAL_DIGITS}d}"

    # -- one case --

    def case(self, index: int, chunk: Chunk) -> None:
        rng = self.rng
        today = self.today
        received = self.received_on(index)
        category = pick(rng, self.categories)
        body = choice(rng, self.world.bodies_by_category[category])
        self.body_id = body.id
        channel = pick(rng, self.channels[category])
        court_id = None
        court_case_number = ""
        if channel in COURT_CHANNELS:
            court_id, code = choice(rng, self.world.courts)
            kind = "民诉前调" if channel == Channel.COURT_DELEGATED else "民初"
            court_case_number = f"({received.year}){code}{kind}{between(rng, 1, 30000)}号"
        members = self.parties(category, chunk)
        claimed = self.amount(category)
        title = f"{members[0][1].name}与{members[1 if members[1][2] is None else 2][1].name}"
        title += choice(rng, TITLES[category])

        path = Path(self, received, body, channel, category, court_id)
        path.run()

        dispute = NEW_DISPUTE(
            reference=self.reference(index, received),
            category=category,
            channel=channel,
            track=body.track,
            body_id=body.id,
            mediator_id=path.mediator_id,
            court_id=path.court_id,
            court_case_number=court_case_number,
            title=title[:200],
            facts=f"申请人因{TITLES[category][0]}申请调解。",
            claimed_amount=claimed,
            received_at=received,
            accepted_at=path.accepted_at,
            signed_at=path.signed_at,
            concluded_at=path.concluded_at,
            outcome=path.outcome,
            close_outcome=path.close_outcome,
            state=path.state,
        )
        if path.outcome == SUCCESS:
            dispute.agreed_amount = self.agreed(category, claimed)
        if path.reached_agreement:
            amount = dispute.agreed_amount
            dispute.agreement_terms = (
                f"被申请人于协议生效之日起三十日内一次性支付申请人人民币{amount}元。"
                if amount
                else "双方确认本纠纷已了结，互不追究。"
            )
        if path.deadline_from is not None:
            # As Dispute.set_deadline sets them (the instance skips Model.__init__, not methods).
            dispute.set_deadline(path.deadline_from, path.deadline_days)
            if path.state in OPEN:
                if dispute.deadline < today:
                    dispute.deadline_status = OVERDUE
                    dispute.deadline_status_since = dispute.deadline + days(1)
                elif dispute.due_soon_on <= today:
                    dispute.deadline_status = DUE_SOON
                    dispute.deadline_status_since = dispute.due_soon_on
        steps = path.steps
        register = steps[0]
        steps[0] = (*register[:6], {**register[6], "channel": channel, "parties": len(members)})
        chunk.cases.append(Case(dispute, members, steps))

    def chunk(self, start: int, stop: int) -> Chunk:
        """The rows of cases number `start` to `stop` (excluded) of the run."""
        chunk = Chunk()
        for index in range(start, stop):
            self.case(index, chunk)
        return chunk


# --- the command ---------------------------------------------------------------------------------


def generate(
    count: int,
    *,
    seed: int | None = None,
    since: datetime.date | None = None,
    chunk_size: int = DEFAULT_CHUNK,
    today: datetime.date | None = None,
    write_line: Callable[[str], Any] | None = None,
) -> dict[str, int]:
    """Generate `count` disputes; returns how many rows went into each table.

    The same seed, count, --since and day give the same cases.
    """
    today = today or timezone.localdate()
    since = since or today - days(3 * 365)
    if since > today:
        raise CommandError(_("--since must not be after today."))
    if seed is None:
        seed = random.SystemRandom().randrange(2**31)
    world = prepare_world(random.Random(seed))
    if not world.bodies:
        raise CommandError(_("No mediation body with an active mediator to give cases to."))
    for name in world.created:
        if write_line:
            write_line(_("Created body %(name)s") % {"name": name})
    maker = CaseMaker(
        random.Random(f"{seed}:cases"),
        world,
        since=since,
        today=today,
        total=count,
        serials=last_serials(range(since.year, today.year + 1)),
    )
    chunks = _chunks(maker, 0, count, chunk_size)
    totals = {"disputes": 0, "parties": 0, "case_parties": 0, "log": 0}
    started = time.perf_counter()
    # In a transaction of the caller's (a test), another connection would not see its rows;
    # SQLite takes one writer at a time anyway.
    alone = connection.vendor != "postgresql" or connection.in_atomic_block
    for written in map(write, chunks) if alone else write_behind(chunks):
        for table, rows in written.items():
            totals[table] += rows
        if write_line:
            elapsed = time.perf_counter() - started
            write_line(
                _("%(done)s / %(count)s disputes, %(elapsed).1f s, %(rate)s a second")
                % {
                    "done": f"{totals['disputes']:,}",
                    "count": f"{count:,}",
                    "elapsed": elapsed,
                    "rate": f"{totals['disputes'] / elapsed:,.0f}" if elapsed else "-",
                }
            )
    return totals


def _chunks(maker: CaseMaker, start: int, stop: int, chunk_size: int) -> Iterator[Chunk]:
    for first in range(start, stop, chunk_size):
        yield maker.chunk(first, min(stop, first + chunk_size))


class Command(BaseCommand):
    help = "Generate N realistic disputes with parties and transition logs (scale tests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int, help="how many disputes to make")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: any)")
        parser.add_argument(
            "--since", help="earliest day received, YYYY-MM-DD (default: three years ago)"
        )
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK,
            help=f"disputes written per transaction (default {DEFAULT_CHUNK})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = options["count"]
        if count < 1:
            raise CommandError(_("Give a positive number of disputes."))
        if options["chunk_size"] < 1:
            raise CommandError(_("--chunk-size must be positive."))
        since = None
        if options["since"]:
            try:
                since = datetime.date.fromisoformat(options["since"])
            except ValueError as exc:
                raise CommandError(
                    _("--since: not a date in the form YYYY-MM-DD: %(error)s") % {"error": exc}
                ) from exc
        seed = options["seed"]
        if seed is None:
            seed = random.SystemRandom().randrange(2**31)
        self.stdout.write(
            _("Generating %(count)s disputes on %(vendor)s (seed %(seed)s)")
            % {"count": f"{count:,}", "vendor": connection.vendor, "seed": seed}
        )
        started = time.perf_counter()
        totals = generate(
            count,
            seed=seed,
            since=since,
            chunk_size=options["chunk_size"],
            write_line=self.stdout.write,
        )
        elapsed = time.perf_counter() - started
        self.stdout.write(
            _(
                "Done in %(elapsed).1f s: %(disputes)s disputes, %(parties)s new parties, "
                "%(case_parties)s case parties, %(log)s log rows."
            )
            % {"elapsed": elapsed, **{k: f"{v:,}" for k, v in totals.items()}}
        )
