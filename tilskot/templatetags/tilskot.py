from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

register = template.Library()

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
NUMBER = mark_safe(' step="any" min="0"')  # amounts: any decimals, never negative


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


@register.simple_tag
def form_field(field) -> SafeString:
    """One form field with Bootstrap's markup, written out in Python: radio buttons, a select, a
    text area or an input, with its label, help text and errors tied to it for screen readers.

    For forms that are rendered very often (scoring, the secretariat's table filters) or that
    have hundreds of fields (recommendation, decision): crispy-forms renders each field through
    several templates (and a template of our own took 2.4 times as long as this). Other forms
    use crispy-forms. ``{% form_field form.name %}``
    """
    name, auto_id, errors = field.html_name, field.auto_id, field.errors
    value = field.value()
    current = "" if value is None else str(value)
    invalid = " is-invalid" if errors else ""
    error = (
        format_html(
            '<div id="{}_error" class="invalid-feedback d-block">{}</div>',
            auto_id,
            " ".join(errors),
        )
        if errors
        else ""
    )
    choices = (
        ((str(v), label) for v, label in field.field.choices)
        if hasattr(field.field, "choices")
        else ()
    )
    kind = field.widget_type
    if kind == "radioselect":
        options = format_html_join(
            "",
            '<div class="form-check"><input class="form-check-input{}" type="radio" name="{}" '
            'id="{}_{}" value="{}"{}><label class="form-check-label" for="{}_{}">{}</label></div>',
            (
                (
                    invalid,
                    name,
                    auto_id,
                    i,
                    v,
                    " checked" if v == current else "",
                    auto_id,
                    i,
                    label,
                )
                for i, (v, label) in enumerate(choices)
            ),
        )
        return format_html(
            '<fieldset class="mb-3"{}><legend class="form-label fs-6 mb-1">{}</legend>{}{}'
            "</fieldset>",
            format_html(' aria-describedby="{}_error"', auto_id) if errors else "",
            field.label,
            options,
            error,
        )
    if errors:
        described = format_html(' aria-invalid="true" aria-describedby="{}_error"', auto_id)
    elif field.help_text:
        described = format_html(' aria-describedby="{}_helptext"', auto_id)
    else:
        described = ""
    widget = field.field.widget
    # The limits the form field put on its widget (max_length, an integer's range), so the
    # browser stops a typist where the server would.
    limits = format_html_join(
        "", ' {}="{}"', ((k, widget.attrs[k]) for k in ("maxlength", "max") if k in widget.attrs)
    )
    common = format_html('name="{}" id="{}"{}{}', name, auto_id, described, limits)
    if kind == "textarea":
        control = format_html(
            '<textarea class="form-control{}" {} rows="{}">{}</textarea>',
            invalid,
            common,
            widget.attrs.get("rows", 3),
            current,
        )
    elif kind == "select":
        control = format_html(
            '<select class="form-select{}" {}>{}</select>',
            invalid,
            common,
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((v, " selected" if v == current else "", label) for v, label in choices),
            ),
        )
    else:
        kind = widget.attrs.get("type") or widget.input_type
        control = format_html(
            '<input class="form-control{}" type="{}" {} value="{}"{}>',
            invalid,
            kind,
            common,
            current,
            NUMBER if kind == "number" else "",
        )
    help_text = (
        format_html('<div id="{}_helptext" class="form-text">{}</div>', auto_id, field.help_text)
        if field.help_text
        else ""
    )
    return format_html(
        '<div class="mb-3"><label class="form-label" for="{}">{}</label>{}{}{}</div>',
        auto_id,
        field.label,
        control,
        help_text,
        error,
    )
