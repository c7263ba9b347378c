"""Amounts in the messages the services write (kept in the case log and the e-mails as
written): Norwegian style, "1 100 000 kr", whatever the reader's language. Templates use the
``nok`` filter, which follows the language."""

from __future__ import annotations

from decimal import Decimal

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def amount_input(amount) -> str:
    """An amount as a number field's value: ``400000``, not ``400000.00`` (ører only when
    there are any)."""
    value = Decimal(amount)
    return f"{value:.0f}" if value == value.to_integral_value() else f"{value:.2f}"


def nok_text(amount) -> str:
    value = Decimal(amount or 0)
    whole = value == value.to_integral_value()
    text = f"{value:,.0f}" if whole else f"{value:,.2f}"
    return text.replace(",", NARROW_NBSP).replace(".", ",") + f"{NBSP}kr"
