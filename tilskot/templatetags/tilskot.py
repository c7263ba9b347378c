from decimal import Decimal

from django import template
from django.utils.translation import get_language

register = template.Library()

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


@register.filter
def nok(amount) -> str:
    """An amount in kroner as Norwegians write it: "9 600 000 kr" (English: "NOK 9,600,000")."""
    if amount in (None, ""):
        return ""
    value = Decimal(amount)
    whole = f"{value:,.2f}" if value != value.to_integral_value() else f"{value:,.0f}"
    if get_language() == "en":
        return f"NOK{NBSP}{whole}"
    whole = whole.replace(",", NARROW_NBSP).replace(".", ",")
    return f"{whole}{NBSP}kr"


@register.filter
def org_number(value: str) -> str:
    """An organisation number grouped as in Enhetsregisteret: 983 974 724."""
    if not value or len(value) != 9:
        return value
    return NBSP.join((value[:3], value[3:6], value[6:]))


@register.filter
def get_item(mapping, key):
    """``mapping[key]`` in a template, or None."""
    return mapping.get(key) if mapping else None


@register.filter
def choices(field) -> list:
    """A bound field's choices, read once: the template's ``for`` (and ``list()``) would first
    count a model choice field's queryset with ``len()``, then read it."""
    return [choice for choice in field.field.choices]  # noqa: C416 (list() asks len() first)
