"""The dashboard tests' pages, the personal data of their data set, and readers of the pages and
their exports.
"""

from __future__ import annotations

import datetime
import io
from typing import Any

import openpyxl
from django.test import Client
from lxml import html as lxml_html

from tests import factories as f

PAGE = "/dashboard/"
CASES = "/dashboard/cases/"
SECRET_NAME = "欧阳娜娜"
SECRET_ID = f.resident_id(777, birth=datetime.date(1971, 2, 3))  # factories use 1985
SECRET_PHONE = "13912345678"
SECRET_TITLE = "欧阳娜娜诉某保险公司赔偿纠纷"
SECRET_FACTS = "只有调解组织知道的事实"
PERSONAL = (SECRET_NAME, SECRET_ID, SECRET_PHONE, SECRET_TITLE, SECRET_FACTS)


def web(user: Any, language: str = "") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    if user is not None:
        client.force_login(user)
    return client


def tree(response: Any) -> Any:
    return lxml_html.fromstring(response.content.decode())


def cell(page: Any, table: str, key: str, figure: str) -> Any:
    [td] = page.xpath(
        f'//table[@data-table="{table}"]//tr[@data-key="{key}"]/td[@data-figure="{figure}"]'
    )
    return td


def text(td: Any) -> str:
    return " ".join(td.text_content().split())


def listed(client: Client, href: str) -> int:
    """How many cases the drill-down at `href` lists (its count, over every page)."""
    response = client.get(href)
    assert response.status_code == 200, (href, response.content.decode()[:500])
    [count] = tree(response).xpath("//*[@data-count]/@data-count")
    return int(count)


def download(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def xlsx_sheet(response: Any) -> Any:
    workbook = openpyxl.load_workbook(io.BytesIO(download(response)))
    return workbook.worksheets[0]
