"""Member organisations from a CSV file (name, organisation number, kind, municipality number),
for the secretariat's import page, the operator's onboarding and the reference loader:
``organisations_parse_csv`` reads the file, ``organisations_plan`` checks it row by row (the
preview), ``organisations_import`` saves it — only if every row is right, in one transaction.

A row whose organisation matches a member already there (the same municipality number, the same
organisation number, the hospital trust, or a unit of the same name) *updates* that member: the
preview says what changes, and importing the same file again changes nothing. A row that matches
one member by one number and another member by the other, or a member of another kind, is an
error.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_scopes import scope
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from .models import Community, Organisation
from .onboarding import history_user_set
from .validators import validate_municipality_number, validate_org_number

Kind = Organisation.Kind

# A member list is a few hundred rows at most (Innlandet has 46 municipalities).
MAX_ROWS = 2000
COLUMNS = ("name", "org_number", "kind", "municipality_number")


@dataclass(frozen=True)
class OrganisationRow:
    """One member organisation as a file (or the reference YAML) gives it, not yet checked.
    ``line``: its row in the file, the header being row 1. ``extra``: further Organisation
    fields (the reference loader's postal address, source …)."""

    line: int
    name: str
    org_number: str = ""
    kind: str = ""
    municipality_number: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)


@dataclass(frozen=True)
class RowError:
    """What is wrong with a row (``line``; 0 for the file as a whole) and in which column
    (``field``: one of ``COLUMNS``, or empty for the row)."""

    line: int
    field: str
    message: str

    @property
    def field_label(self) -> str:
        return column_labels().get(self.field, "")


@dataclass
class PlannedRow:
    """A checked row: what importing it does (``add``, ``update`` or ``unchanged``; the
    ``changes`` as (field label, old, new))."""

    row: OrganisationRow
    kind: str
    org_number: str
    municipality_number: str
    action: str
    existing: Organisation | None = None
    changes: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def kind_label(self) -> str:
        return str(Kind(self.kind).label)


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    errors: list[RowError]

    @property
    def counts(self) -> dict[str, int]:
        counts = {"add": 0, "update": 0, "unchanged": 0}
        for row in self.rows:
            counts[row.action] += 1
        return counts


def column_labels() -> dict[str, str]:
    return {
        "name": _("name"),
        "org_number": _("organisation number"),
        "kind": _("kind"),
        "municipality_number": _("municipality number"),
    }


def _normal(text: str) -> str:
    for mark in "_-.:":
        text = text.replace(mark, " ")
    return " ".join(text.strip().casefold().split())


HEADER_WORDS = {
    "name": {"name", "navn", "namn", "organisasjon", "organisation", "organization"},
    "org_number": {
        "org number",
        "orgnr",
        "org nr",
        "orgnummer",
        "organisation number",
        "organization number",
        "organisasjonsnummer",
        "organisasjonsnr",
    },
    "kind": {"kind", "type", "art", "slag", "kategori", "category"},
    "municipality_number": {
        "municipality number",
        "kommunenummer",
        "kommunenr",
        "knr",
        "kommune nr",
    },
}
HEADER_ALIASES = {word: column for column, words in HEADER_WORDS.items() for word in words}

# The words a file may use for each kind, besides our own values.
KIND_WORDS = {
    Kind.MUNICIPALITY: {"kommune", "municipality"},
    Kind.HOSPITAL_TRUST: {
        "helseforetak",
        "helseføretak",
        "hf",
        "hospital trust",
        "sykehus",
        "sjukehus",
    },
    Kind.HOSPITAL_UNIT: {
        "enhet",
        "eining",
        "unit",
        "hospital unit",
        "enhet i helseforetaket",
        "eining i helseføretaket",
        "unit of the hospital trust",
    },
    Kind.OTHER: {"annen", "anna", "annan", "andre", "other", "other organisation"},
}
KIND_ALIASES = {_normal(word): kind for kind, words in KIND_WORDS.items() for word in words}
KIND_ALIASES.update({_normal(kind.value): kind for kind in Kind})


def _kind(text: str) -> str | None:
    return KIND_ALIASES.get(_normal(text))


def csv_text(data: bytes) -> str:
    """A member list's bytes as text: UTF-16 with BOM, UTF-8 (BOM or none), else Windows-1252;
    ``ValidationError`` for what is no text at all."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    if b"\x00" in data:
        raise ValidationError(
            _("This is not a CSV file: save the member list as CSV (comma or semicolon)."),
            code="not_text",
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")  # Excel on Windows
    except UnicodeDecodeError:
        raise ValidationError(
            _("The file's characters cannot be read: save it as CSV in UTF-8."),
            code="not_text",
        ) from None


def _delimiter(first_line: str) -> str:
    """The separator that splits the first line into the four columns (or the closest)."""

    def distance(delimiter: str) -> int:
        cells = next(csv.reader([first_line], delimiter=delimiter), [])
        return abs(len(cells) - len(COLUMNS))

    return min((";", "\t", ","), key=distance)  # ties: semicolon first (Norwegian Excel)


def _control_characters(text: str) -> bool:
    return any(ord(c) < 32 and c not in "\t\r\n" for c in text)


def organisations_parse_csv(data: bytes | str) -> list[OrganisationRow]:
    """The rows of a member list: name, organisation number, kind, municipality number.

    UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252 (Excel); separated by
    semicolons, commas or tabs (read from the first line). A first row of column names
    (Norwegian or English, e.g. ``navn;organisasjonsnummer;type;kommunenummer``) is read as a
    header and may put the columns in any order. Rows are numbered as in the file (a header is
    row 1); empty rows are skipped. Raises ``ValidationError`` for a file that is not such a
    list at all; what is wrong with single rows is ``organisations_plan``'s to say."""
    text = csv_text(data) if isinstance(data, bytes) else data.removeprefix("\ufeff")
    if "\x00" in text or _control_characters(text):
        raise ValidationError(
            _("This is not a CSV file: save the member list as CSV (comma or semicolon)."),
            code="not_text",
        )
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise ValidationError(_("The file is empty."), code="empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    columns: tuple[str, ...] = COLUMNS
    rows: list[OrganisationRow] = []
    header_seen = False
    last_line = 0
    try:
        for cells in reader:
            line, last_line = last_line + 1, reader.line_num
            cells = [cell.strip() for cell in cells]
            if not any(cells):
                continue
            if not header_seen and not rows:
                header_seen = True
                words = [HEADER_ALIASES.get(_normal(cell)) for cell in cells]
                known = sum(1 for word in words if word)
                if known >= 2 or (known and not any(c.isdigit() for c in "".join(cells))):
                    columns = _header(cells, words)
                    continue
            if len(rows) >= MAX_ROWS:
                raise ValidationError(
                    _("The file has more than %(max)d rows: split it in parts.")
                    % {"max": MAX_ROWS},
                    code="too_many",
                )
            rows.append(_row(line, cells, columns))
    except csv.Error as error:
        raise ValidationError(
            _("Row %(line)d cannot be read as CSV (%(error)s).")
            % {"line": reader.line_num, "error": error},
            code="csv",
        ) from None
    if not rows:
        raise ValidationError(_("The file has no organisations, only a header."), code="empty")
    return rows


def _header(cells: list[str], words: list[str | None]) -> tuple[str, ...]:
    unknown = [cell for cell, word in zip(cells, words, strict=True) if word is None and cell]
    missing = [c for c in ("name", "kind") if c not in words]
    twice = {w for w in words if w and words.count(w) > 1}
    labels = column_labels()
    problems = []
    if unknown:
        problems.append(
            _("The first row names columns Tilskot does not know: %(columns)s.")
            % {"columns": ", ".join(f"“{c}”" for c in unknown)}
        )
    if twice:
        problems.append(
            _("The first row names a column twice: %(columns)s.")
            % {"columns": ", ".join(labels[w] for w in sorted(twice))}
        )
    if missing:
        problems.append(
            _("The first row lacks these columns: %(columns)s.")
            % {"columns": ", ".join(labels[c] for c in missing)}
        )
    if problems:
        problems.append(_("The columns are: name, organisation number, kind, municipality number."))
        raise ValidationError(" ".join(problems), code="header")
    return tuple(w or "" for w in words)


def _row(line: int, cells: list[str], columns: tuple[str, ...]) -> OrganisationRow:
    values = dict.fromkeys(COLUMNS, "")
    extra_cells = []
    for index, cell in enumerate(cells):
        column = columns[index] if index < len(columns) else ""
        if column:
            values[column] = cell
        elif cell:
            extra_cells.append(cell)
    if extra_cells:
        # kept aside so the plan can name the row; joined into the name would hide the mistake
        return OrganisationRow(line=line, **values, extra={"_unexpected": extra_cells})
    return OrganisationRow(line=line, **values)


def _digits(value: str) -> str:
    return "".join(value.split())


def _row_checked(row: OrganisationRow, errors: list[RowError]) -> PlannedRow:
    """The row's own checks: each column by itself and the columns together (found ones are
    added to ``errors``; the row is planned all the same, to be compared with the others)."""
    found: list[RowError] = []

    def error(column: str, message: str) -> None:
        found.append(RowError(line=row.line, field=column, message=message))

    if row.extra.get("_unexpected"):
        error(
            "",
            _("The row has more columns than four: %(cells)s.")
            % {"cells": ", ".join(f"“{c}”" for c in row.extra["_unexpected"])},
        )
    name_max = Organisation._meta.get_field("name").max_length
    if not row.name:
        error("name", _("The name is missing."))
    elif len(row.name) > name_max:
        error("name", _("The name is longer than %(max)d characters.") % {"max": name_max})
    kind = _kind(row.kind)
    if not row.kind:
        error("kind", _("The kind is missing. Give one of: %(kinds)s.") % {"kinds": _kinds()})
    elif kind is None:
        error(
            "kind",
            _("“%(value)s” is not a kind Tilskot knows. Give one of: %(kinds)s.")
            % {"value": row.kind, "kinds": _kinds()},
        )
    org_number = _digits(row.org_number)
    if org_number:
        try:
            validate_org_number(org_number)
        except ValidationError as problem:
            error("org_number", " ".join(problem.messages))
    elif kind in (Kind.MUNICIPALITY, Kind.HOSPITAL_TRUST):
        error("org_number", _("A municipality or hospital trust needs its organisation number."))
    municipality_number = _digits(row.municipality_number)
    if len(municipality_number) == 3 and municipality_number.isdigit():
        municipality_number = "0" + municipality_number  # Excel drops Oslo's leading zero
    if municipality_number:
        if kind is not None and kind != Kind.MUNICIPALITY:
            error(
                "municipality_number",
                _("Only a municipality has a municipality number: leave it empty here."),
            )
        else:
            try:
                validate_municipality_number(municipality_number)
            except ValidationError as problem:
                error("municipality_number", " ".join(problem.messages))
    elif kind == Kind.MUNICIPALITY:
        error("municipality_number", _("A municipality needs its municipality number."))
    errors.extend(found)
    return PlannedRow(
        row=row,
        kind=kind or "",
        org_number=org_number,
        municipality_number=municipality_number,
        action="add",
    )


def _kinds() -> str:
    return _(
        "kommune (municipality), helseforetak (hospital trust), enhet/eining (unit of the "
        "hospital trust), annen/anna (other)"
    )


def _member(org: Organisation) -> str:
    return f"{org.name} ({org.get_kind_display()})"


@dataclass
class Members:
    """The community's members, looked up by what a row can match them on (each row's match is
    then a lookup, not a walk through every member: a file of 2,000 rows stays quick)."""

    by_org: dict[str, Organisation]
    by_municipality: dict[str, Organisation]
    trust: Organisation | None
    units: dict[str, Organisation]
    others: dict[str, Organisation]

    @classmethod
    def of(cls, members: list[Organisation]) -> Members:
        def named(kind, *, without_number=False):
            return {
                m.name.casefold(): m
                for m in members
                if m.kind == kind and not (without_number and m.org_number)
            }

        return cls(
            by_org={
                m.org_number: m for m in members if m.org_number and m.kind != Kind.HOSPITAL_UNIT
            },
            by_municipality={m.municipality_number: m for m in members if m.municipality_number},
            trust=next((m for m in members if m.kind == Kind.HOSPITAL_TRUST), None),
            units=named(Kind.HOSPITAL_UNIT),
            others=named(Kind.OTHER, without_number=True),
        )


def _match(planned: PlannedRow, members: Members) -> tuple[Organisation | None, str]:
    """The member this row is (or None), and what stands in the way of importing it."""
    kind, name = planned.kind, planned.row.name.casefold()
    by_org = members.by_org.get(planned.org_number if kind != Kind.HOSPITAL_UNIT else "")
    by_municipality = members.by_municipality.get(planned.municipality_number)
    if kind == Kind.MUNICIPALITY:
        match = by_municipality or by_org
    elif kind == Kind.HOSPITAL_TRUST:
        match = members.trust
        if match is not None and match.org_number != planned.org_number:
            return None, _(
                "The community already has its hospital trust, %(member)s (organisation "
                "number %(number)s), and a community has only one."
            ) % {"member": match.name, "number": match.org_number}
    elif kind == Kind.HOSPITAL_UNIT:
        match = members.units.get(name)
    else:
        match = by_org or members.others.get(name)
    for other, number in ((by_org, planned.org_number), (by_municipality, "")):
        if other is not None and other != match:
            if number:
                return None, _(
                    "Organisation number %(number)s is already a member: %(member)s."
                ) % {"number": number, "member": _member(other)}
            return None, _("Municipality number %(number)s is already a member: %(member)s.") % {
                "number": planned.municipality_number,
                "member": _member(other),
            }
    if match is not None and match.kind != kind:
        return None, _("This organisation is already a member, as %(member)s.") % {
            "member": _member(match)
        }
    return match, ""


def _duplicates_in_file(planned: list[PlannedRow], errors: list[RowError]) -> None:
    """Each organisation once: a later row with the same number (or the same unit's name, or a
    second hospital trust) is an error that names the first."""
    first_seen: dict[tuple[str, str], int] = {}
    for item in planned:
        keys = []
        if item.org_number and item.kind != Kind.HOSPITAL_UNIT:
            keys.append(("org_number", item.org_number))
        if item.municipality_number:
            keys.append(("municipality_number", item.municipality_number))
        if item.kind == Kind.HOSPITAL_TRUST:
            keys.append(("kind", "trust"))
        if item.kind == Kind.HOSPITAL_UNIT or (item.kind == Kind.OTHER and not item.org_number):
            keys.append(("name", f"{item.kind}:{item.row.name.casefold()}"))
        for column, value in keys:
            earlier = first_seen.get((column, value))
            if earlier is not None:
                if column == "kind":
                    message = _(
                        "A community has one hospital trust, and row %(row)d is one already."
                    ) % {"row": earlier}
                else:
                    message = _("The same as row %(row)d: each organisation once.") % {
                        "row": earlier
                    }
                errors.append(RowError(line=item.row.line, field=column, message=message))
            else:
                first_seen[(column, value)] = item.row.line


def organisations_plan(*, community: Community, rows: list[OrganisationRow]) -> ImportPlan:
    """Check every row and say what importing it would do, saving nothing."""
    errors: list[RowError] = []
    planned = [_row_checked(row, errors) for row in rows]
    _duplicates_in_file(planned, errors)
    bad = {e.line for e in errors}
    planned = [p for p in planned if p.row.line not in bad]
    with scope(community=community):
        members = Members.of(list(Organisation.objects.filter(community=community)))
    has_trust = members.trust is not None or any(p.kind == Kind.HOSPITAL_TRUST for p in planned)
    labels = column_labels()
    for item in planned:
        match, problem = _match(item, members)
        if problem:
            errors.append(RowError(line=item.row.line, field="", message=problem))
            continue
        if item.kind == Kind.HOSPITAL_UNIT and not has_trust:
            errors.append(
                RowError(
                    line=item.row.line,
                    field="kind",
                    message=_(
                        "A unit belongs to the hospital trust, and the community has none yet: "
                        "add the trust in this file or before."
                    ),
                )
            )
            continue
        if match is not None:
            item.existing = match
            new = {
                "name": item.row.name,
                "org_number": item.org_number or match.org_number,
                "municipality_number": item.municipality_number or match.municipality_number,
            }
            item.changes = [
                (labels[key], getattr(match, key), value)
                for key, value in new.items()
                if getattr(match, key) != value
            ]
            extra_changed = any(
                getattr(match, key) != value
                for key, value in item.row.extra.items()
                if not key.startswith("_")
            )
            item.action = "update" if item.changes or extra_changed else "unchanged"
    errors.sort(key=lambda e: (e.line, list(COLUMNS).index(e.field) if e.field else -1))
    if errors:
        bad = {e.line for e in errors}
        planned = [p for p in planned if p.row.line not in bad]
    return ImportPlan(rows=planned, errors=errors)


def _member_of(item, community, trust, by, errors: list[RowError]) -> Organisation | None:
    """The member as the row makes it (a new one, or the one it matched, changed), checked as
    the model checks it; None, and the row's errors added, where it is not right. Whether it
    is unique was checked by the plan, under the community's lock (and the database's
    constraints stand behind it)."""
    org = item.existing or Organisation(community=community, kind=item.kind)
    org.name = item.row.name
    org.org_number = item.org_number or org.org_number
    org.municipality_number = item.municipality_number or org.municipality_number
    for key, value in item.row.extra.items():
        if not key.startswith("_"):
            setattr(org, key, value)
    if item.kind == Kind.HOSPITAL_UNIT:
        org.parent = trust
    history_user_set(org, by)
    try:
        org.full_clean(
            exclude=["community", "parent"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as problem:
        errors.extend(
            RowError(line=item.row.line, field="", message=message) for message in problem.messages
        )
        return None
    return org


@transaction.atomic
def organisations_import(
    *, community: Community, rows: list[OrganisationRow], save: bool, by=None
) -> list[RowError]:
    """Check ``rows`` and, with ``save`` and only if every row is right, add or update the
    members in one transaction. Returns what is wrong, row by row (empty: all right, and with
    ``save``, saved). A member already there is updated (see the module's docstring); the
    hospital trust is saved before its units, each unit with the trust as its parent."""
    # Two imports into one community at the same moment are made one after the other.
    list(Community.objects.select_for_update().filter(pk=community.pk))
    plan = organisations_plan(community=community, rows=rows)
    if plan.errors or not save:
        return plan.errors
    errors: list[RowError] = []
    changed = [item for item in plan.rows if item.action != "unchanged"]
    with scope(community=community):
        trust = Organisation.objects.filter(kind=Kind.HOSPITAL_TRUST).first()
        # The trust first, on its own: its units point at it.
        for item in (i for i in changed if i.kind == Kind.HOSPITAL_TRUST):
            trust = _member_of(item, community, trust, by, errors)
            if trust is not None:
                trust.save()
        new, updated, fields = [], [], {"name", "org_number", "municipality_number", "parent"}
        for item in (i for i in changed if i.kind != Kind.HOSPITAL_TRUST):
            org = _member_of(item, community, trust, by, errors)
            if org is not None:
                (updated if org.pk else new).append(org)
                fields.update(k for k in item.row.extra if not k.startswith("_"))
        if not errors:
            # Two queries a few hundred rows (and their history), not two a row: a list of
            # 2,000 members is saved in a second (bench/results/import.md).
            bulk_create_with_history(new, Organisation, batch_size=500, default_user=by)
            if updated:
                bulk_update_with_history(
                    updated, Organisation, sorted(fields), batch_size=500, default_user=by
                )
    if errors:
        transaction.set_rollback(True)
    return errors
