from decimal import Decimal

from django import forms, template
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

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


REQUIRED = _("required")


def required_mark(field) -> str:
    """ " (required)" after a required field's label: the one way required fields are marked,
    explained once per form by ``required_note``."""
    if not field.field.required:
        return ""
    return format_html(' <span class="required-mark">({})</span>', REQUIRED)


@register.simple_tag
def required_note(form) -> str:
    """The sentence that explains the mark, when the form has a required field."""
    if not any(field.field.required for field in form):
        return ""
    return format_html(
        '<p class="muted required-note">{}</p>',
        _("Fields marked (required) must be filled in."),
    )


def _described_by(*ids) -> str:
    ids = [i for i in ids if i]
    return format_html(' aria-describedby="{}"', " ".join(ids)) if ids else ""


@register.simple_tag
def form_field(field) -> SafeString:
    """One form field with Designsystemet's markup (the same as our crispy-forms pack draws),
    written out in Python: radio buttons, a select, a text area or an input, with its label,
    description and error tied to it for screen readers.

    For forms that are rendered very often (scoring, the secretariat's table filters) or that
    have hundreds of fields (recommendation, decision): crispy-forms renders each field through
    several templates (and a template of our own took 2.4 times as long as this). Other forms
    use crispy-forms. ``{% form_field form.name %}``
    """
    name, auto_id, errors = field.html_name, field.auto_id, field.errors
    value = field.value()
    current = "" if value is None else str(value)
    error_id = f"{auto_id}_error" if errors else ""
    help_id = f"{auto_id}_helptext" if field.help_text else ""
    error = (
        format_html(
            '<p class="ds-validation-message" data-field="validation" id="{}">{}</p>',
            error_id,
            " ".join(errors),
        )
        if errors
        else ""
    )
    help_text = (
        format_html('<p data-field="description" id="{}">{}</p>', help_id, field.help_text)
        if field.help_text
        else ""
    )
    invalid = mark_safe(' aria-invalid="true"') if errors else ""
    choices = (
        ((str(v), label) for v, label in field.field.choices)
        if hasattr(field.field, "choices")
        else ()
    )
    kind = field.widget_type
    if kind == "radioselect":
        options = format_html_join(
            "",
            '<div class="ds-field"><input class="ds-input" type="radio" name="{}" id="{}_{}" '
            'value="{}"{}{}><label class="ds-label" for="{}_{}">{}</label></div>',
            (
                (
                    name,
                    auto_id,
                    i,
                    v,
                    " checked" if v == current else "",
                    invalid,
                    auto_id,
                    i,
                    label,
                )
                for i, (v, label) in enumerate(choices)
            ),
        )
        return format_html(
            '<fieldset class="ds-fieldset"{}><legend class="ds-label">{}{}</legend>{}'
            '<div class="scale">{}</div>{}</fieldset>',
            _described_by(help_id, error_id),
            field.label,
            required_mark(field),
            help_text,
            options,
            error,
        )
    described = _described_by(help_id, error_id)
    widget = field.field.widget
    if kind == "checkbox":
        # A single check box: the label after the box, checked as the value says.
        checked = widget.check_test(value)
        return format_html(
            '<div class="ds-field"><input class="ds-input" type="checkbox" name="{}" id="{}"{}{}{}>'
            '<label class="ds-label" for="{}">{}{}</label>{}{}</div>',
            name,
            auto_id,
            mark_safe(" checked") if checked else "",
            described,
            invalid,
            auto_id,
            field.label,
            required_mark(field),
            help_text,
            error,
        )
    # The limits the form field put on its widget (max_length, an integer's range and step),
    # so the browser stops a typist where the server would.
    attrs = dict(widget.attrs)
    input_type = attrs.get("type") or getattr(widget, "input_type", "text")
    if input_type == "number":  # never negative, unless the field says; whole numbers step 1
        attrs.setdefault("min", "0")
        if not isinstance(field.field, forms.IntegerField):
            attrs.setdefault("step", "any")  # (a decimal or float field set its own step)
    limits = format_html_join(
        "", ' {}="{}"', ((k, attrs[k]) for k in ("maxlength", "min", "max", "step") if k in attrs)
    )
    common = format_html('name="{}" id="{}"{}{}{}', name, auto_id, described, invalid, limits)
    if kind == "textarea":
        control = format_html(
            '<textarea class="ds-input" {} rows="{}">{}</textarea>',
            common,
            widget.attrs.get("rows", 3),
            current,
        )
    elif kind == "select":
        control = format_html(
            '<select class="ds-input" {}>{}</select>',
            common,
            format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((v, " selected" if v == current else "", label) for v, label in choices),
            ),
        )
    else:
        # As the widget writes the value: a date or a time in the format its input type reads
        # (a datetime-local input takes "2026-11-26T10:00", not str()'s "2026-11-26 10:00:00").
        shown = widget.format_value(value)
        control = format_html(
            '<input class="ds-input" type="{}" {} value="{}">',
            input_type,
            common,
            "" if shown is None else shown,
        )
    return format_html(
        '<div class="ds-field"><label class="ds-label" for="{}">{}{}</label>{}{}{}</div>',
        auto_id,
        field.label,
        required_mark(field),
        help_text,
        control,
        error,
    )


@register.simple_tag
def menu_link(view_name: str, here: str, community, label: str) -> SafeString:
    """A link in the service menu, marked as the current page when it is."""
    kwargs = {"community": community.slug} if community is not None else {}
    return format_html(
        '<a href="{}"{}>{}</a>',
        reverse(view_name, kwargs=kwargs),
        mark_safe(' aria-current="page"') if view_name == here else "",
        label,
    )


ALERT_COLORS = {"success": "success", "warning": "warning", "error": "danger", "danger": "danger"}


@register.filter
def alert_color(level_tag: str) -> str:
    """Designsystemet's alert colour for a message level (debug and info are "info")."""
    return ALERT_COLORS.get(level_tag, "info")


class BreadcrumbsNode(template.Node):
    child_nodelists = ("nodelist",)

    def __init__(self, community, nodelist):
        self.community, self.nodelist = community, nodelist

    def render(self, context) -> str:
        crumbs = self.nodelist.render(context).strip()
        if not crumbs:
            return ""
        community = self.community.resolve(context)
        first = (
            format_html(
                '<li><a class="ds-link" href="{}" lang="{}">{}</a></li>',
                reverse("community", kwargs={"community": community.slug}),
                community.language,
                community.name,
            )
            if community
            else ""
        )
        return format_html(
            '<nav class="ds-breadcrumbs breadcrumbs" aria-label="{}"><ol>{}{}</ol></nav>',
            _("You are here:"),
            first,
            mark_safe(crumbs),  # noqa: S308 -- the child template's own rendered block
        )


@register.tag
def breadcrumbs(parser, token):
    """``{% breadcrumbs community %}<li>…</li>{% endbreadcrumbs %}``: the trail below the service
    header, starting at the community's page; nothing when the block inside is empty (the
    community page and the pages above it). Child templates fill ``{% block breadcrumbs %}``
    with ``<li><a class="ds-link" href="…">…</a></li>`` items, the last one
    ``<li><span aria-current="page">…</span></li>``."""
    _tag, community = token.split_contents()
    nodelist = parser.parse(("endbreadcrumbs",))
    parser.delete_first_token()
    return BreadcrumbsNode(parser.compile_filter(community), nodelist)
