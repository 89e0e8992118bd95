"""The columns of a ledger (SPEC §8) and the values clerks write in them.

Headers are read in English or Chinese; codes as the code, its English label, its Chinese name or
the short forms clerks use. The reading, the checks and the writer all name columns from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from mediation.kernel.choices import Category, Channel, Outcome, Track
from parties.models import PartyRole

# --- the columns of SPEC §8 ----------------------------------------------------------------------

COLUMNS = (
    "reference",
    "category",
    "track",
    "body",
    "mediator",
    "channel",
    "received",
    "accepted",
    "concluded",
    "outcome",
    "claimed",
    "agreed",
    "parties",
)
CHINESE_HEADERS = dict(
    zip(
        (
            "编号",
            "纠纷类型",
            "调解类型",
            "调解组织",
            "调解员",
            "来源",
            "收到日期",
            "受理日期",
            "办结日期",
            "结果",
            "标的金额",
            "协议金额",
            "当事人",
        ),
        COLUMNS,
        strict=True,
    )
)
HEADERS = {name: name for name in COLUMNS} | CHINESE_HEADERS
CHINESE_OF_COLUMN = {name: chinese for chinese, name in CHINESE_HEADERS.items()}


def column_label(name: str) -> str:
    """A column as the report names it: its Chinese header (受理日期), which is what the centre's
    ledgers and the template print; the English header on pages read in another language."""
    if name not in CHINESE_OF_COLUMN:
        return name
    language = translation.get_language() or ""
    return CHINESE_OF_COLUMN[name] if language.startswith("zh") else name


def column_both(name: str) -> str:
    """A column under both headers the importer reads: `受理日期 (accepted)`."""
    return f"{CHINESE_OF_COLUMN[name]} ({name})" if name in CHINESE_OF_COLUMN else name


# Values as ledgers write them: the code, its English label, its Chinese name (SPEC §2) and the
# short forms clerks use. Matching ignores case and surrounding blanks.
CATEGORY_NAMES = {
    Category.TRAFFIC: ("道路交通事故纠纷", "交通事故纠纷", "交通事故", "道路交通"),
    Category.FINANCIAL: ("金融纠纷", "金融", "借贷纠纷"),
    Category.MEDICAL: ("医疗纠纷", "医疗", "医患纠纷"),
    Category.SCHOOL: ("校园纠纷", "校园", "学校纠纷"),
    Category.FAMILY: ("婚姻家事纠纷", "婚姻家庭纠纷", "婚姻家事", "家事纠纷", "婚姻家庭"),
}
TRACK_NAMES = {
    Track.PEOPLE: ("人民调解",),
    Track.ADMINISTRATIVE: ("行政调解",),
    Track.JUDICIAL: ("司法调解", "特邀调解"),
}
CHANNEL_NAMES = {
    Channel.WALK_IN: ("来访", "来访登记", "当面申请"),
    Channel.HOTLINE: ("电话", "12348", "热线", "电话/12348"),
    Channel.ONLINE: ("网上申请", "网上", "在线申请"),
    Channel.GRID: ("网格员上报", "网格", "网格员"),
    Channel.POLICE: ("公安/交警移送", "公安移送", "交警移送", "公安", "交警"),
    Channel.INSTITUTION: ("机构申请", "机构"),
    Channel.PETITION: ("信访转办", "信访"),
    Channel.COURT_DELEGATED: ("法院诉前委派", "诉前委派", "委派"),
    Channel.COURT_ENTRUSTED: ("法院诉中委托", "诉中委托", "委托调解"),
}
OPEN = "open"
OUTCOME_NAMES = {
    Outcome.SUCCESS: ("调解成功", "成功", "达成协议"),
    Outcome.FAILURE: ("调解不成", "调解失败", "失败", "不成功", "未达成协议"),
    Outcome.WITHDRAWN: ("已撤回", "撤回", "申请人撤回"),
    Outcome.DECLINED: ("不予受理", "不受理"),
    OPEN: ("在办", "未结", "办理中", "调解中", "进行中"),
}
ROLE_NAMES = {
    PartyRole.APPLICANT: ("申请人",),
    PartyRole.RESPONDENT: ("被申请人",),
    PartyRole.THIRD_PARTY: ("第三人",),
    PartyRole.AGENT: ("委托代理人", "代理人"),
    PartyRole.GUARDIAN: ("法定代理人", "监护人", "法定代理人/监护人"),
}


def _lookup(names: dict[Any, tuple[str, ...]], labels: Iterable[tuple[str, Any]] = ()) -> dict:
    table: dict[str, str] = {}
    for code, aliases in names.items():
        table[str(code).lower()] = str(code)
        for alias in aliases:
            table[alias.lower()] = str(code)
    with translation.override("en"):  # English labels, whatever language is active now
        for code, label in labels:
            table[str(label).lower()] = str(code)
    return table


CATEGORIES = _lookup(CATEGORY_NAMES, Category.choices)
TRACKS = _lookup(TRACK_NAMES, Track.choices)
CHANNELS = _lookup(CHANNEL_NAMES, Channel.choices)
OUTCOMES = _lookup(OUTCOME_NAMES, [*Outcome.choices, (OPEN, "Open")])
ROLES = _lookup(ROLE_NAMES, PartyRole.choices)


def cell_text(value: Any) -> str:
    """A cell's value as text, without surrounding blanks (XLSX cells may hold numbers)."""
    if type(value) is str:  # nearly every value of a CSV: the quick way first
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()
