"""Tables as files: CSV (UTF-8, comma-separated, for other programs) and Excel (XLSX, for
people) — the secretariat's table of a round's applications, and any other table
(``table_csv``, ``table_xlsx``; the finance table and the status report use them).

Applicants write the titles and names that end up here, so no cell can become a formula: CSV
cells that a spreadsheet would read as one are prefixed with an apostrophe (OWASP's advice), and
XLSX cells are written as text explicitly.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils.translation import gettext
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .models import Application

OSLO = ZoneInfo("Europe/Oslo")
CENTS = Decimal("0.01")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

AMOUNT_COLUMNS = (7, 8)  # zero-based: requested, own contribution
WIDTHS = (8, 40, 22, 30, 14, 40, 30, 16, 16, 26, 30)


def headers() -> list[str]:
    """The column headers, in the active language."""
    return [
        gettext("ID"),
        gettext("Title"),
        gettext("Status"),
        gettext("Responsible organisation"),
        gettext("Organisation number"),
        gettext("Partners"),
        gettext("Priority areas"),
        gettext("Requested (NOK)"),
        gettext("Own contribution (NOK)"),
        gettext("Submitted"),
        gettext("Applicant's e-mail"),
    ]


def oslo_iso(moment: dt.datetime | None) -> str:
    """Norwegian wall-clock time with its offset, e.g. 2026-11-25T13:00:00+01:00."""
    return moment.astimezone(OSLO).isoformat(timespec="seconds") if moment else ""


def rows(applications: Iterable[Application]) -> Iterator[list[object]]:
    """One row per application of ``applications_table`` (annotated with ``requested`` and
    ``own_contribution``, with partners and priority areas prefetched)."""
    for application in applications:
        organisation = application.responsible_organisation
        yield [
            application.pk,
            application.title,
            application.get_status_display(),
            organisation.name if organisation else "",
            organisation.org_number if organisation else "",
            "; ".join(p.name for p in application.partners.all()),
            "; ".join(p.name for p in application.priority_areas.all()),
            amount(application.requested),
            amount(application.own_contribution),
            oslo_iso(application.submitted_at),
            application.owner.email,
        ]


def amount(value: Decimal | None) -> Decimal:
    """Always with two decimals: databases differ in what a sum comes back as."""
    return Decimal(value or 0).quantize(CENTS)


def csv_safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return f"'{value}"
    return value


def _attachment(response: HttpResponse, filename: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def table_csv(head: list[str], body: Iterable[list[object]], *, filename: str) -> HttpResponse:
    """Any table as CSV (UTF-8, comma-separated), no cell a formula."""
    response = _attachment(HttpResponse(content_type="text/csv; charset=utf-8"), f"{filename}.csv")
    writer = csv.writer(response)
    writer.writerow(head)
    for row in body:
        writer.writerow([csv_safe(value) for value in row])
    return response


def table_xlsx(
    head: list[str],
    body: Iterable[list[object]],
    *,
    filename: str,
    title: str,
    amount_columns: tuple[int, ...] = (),
    widths: tuple[int, ...] = (),
) -> HttpResponse:
    """Any table as an Excel workbook: bold frozen header, text cells as text, amounts
    (zero-based ``amount_columns``) with two decimals."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(head)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(body, start=2):
        for column, value in enumerate(row, start=1):
            if isinstance(value, str):
                cell = sheet.cell(
                    row=row_number, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value)
                )
                cell.data_type = "s"  # openpyxl would make "=..." a formula
            else:
                cell = sheet.cell(row=row_number, column=column, value=value)
            if column - 1 in amount_columns:
                cell.number_format = "#,##0.00"
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"
    content = BytesIO()
    workbook.save(content)
    response = HttpResponse(content.getvalue(), content_type=XLSX_TYPE)
    return _attachment(response, f"{filename}.xlsx")


def applications_csv(applications: Iterable[Application], *, filename: str) -> HttpResponse:
    return table_csv(headers(), rows(applications), filename=filename)


def applications_xlsx(applications: Iterable[Application], *, filename: str) -> HttpResponse:
    return table_xlsx(
        headers(),
        rows(applications),
        filename=filename,
        title=gettext("Applications"),
        amount_columns=AMOUNT_COLUMNS,
        widths=WIDTHS,
    )


FORMATS: dict[str, Callable[..., HttpResponse]] = {
    "csv": applications_csv,
    "xlsx": applications_xlsx,
}
