"""``{% form_field %}``: the hand-written field markup of the busiest forms, in Designsystemet's
markup, with what a screen reader needs (label, legend, "(required)", description and error tied
to the control) and nothing typed lost."""

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.template import Context, Template


class Sample(forms.Form):
    score = forms.TypedChoiceField(
        label="Forankring",
        choices=[("", "Ikkje vurdert"), ("1", "1"), ("2", "2")],
        coerce=int,
        required=False,
        widget=forms.RadioSelect,
    )
    decision = forms.ChoiceField(
        label="Vedtak",
        choices=[("grant", "Innvilga"), ("reject", "Avslått")],
        help_text="Det styret vedtok.",
        widget=forms.RadioSelect,
    )
    area = forms.ChoiceField(label="Område", choices=[("", "Alle"), ("a", "A & B"), ("c", "C")])
    comment = forms.CharField(
        label="Kommentar", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(label="Beløp", min_value=0, help_text="I heile kroner.")
    order = forms.IntegerField(label="Plass", min_value=1, max_value=9)
    decided_on = forms.DateField(
        label="Dato", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    meeting = forms.DateTimeField(
        label="Møte",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    public = forms.BooleanField(label="Offentleg", required=False)


def render(form, name: str) -> str:
    return Template("{% load tilskot %}{% form_field field %}").render(
        Context({"field": form[name]})
    )


def test_radio_buttons_keep_the_choice_under_a_legend():
    html = render(Sample({"score": "2"}), "score")
    assert html.startswith('<fieldset class="ds-fieldset"><legend class="ds-label">Forankring<')
    assert "(required)" not in html  # optional: no mark
    assert (
        '<input class="ds-input" type="radio" name="score" id="id_score_2" value="2" checked>'
        in html
    )
    assert html.count("checked") == 1
    assert '<label class="ds-label" for="id_score_2">2</label>' in html
    assert html.endswith("</fieldset>")


def test_required_radio_buttons_say_so_in_the_legend_and_describe_the_group():
    form = Sample({})
    form.is_valid()
    html = render(form, "decision")
    assert (
        '<legend class="ds-label">Vedtak <span class="required-mark">(required)</span></legend>'
        in html
    )
    # the group is described by its help text and its error, each radio button is invalid
    assert (
        '<fieldset class="ds-fieldset" aria-describedby="id_decision_helptext id_decision_error">'
        in html
    )
    assert '<p data-field="description" id="id_decision_helptext">Det styret vedtok.</p>' in html
    assert html.count('aria-invalid="true"') == 2
    assert (
        '<p class="ds-validation-message" data-field="validation" id="id_decision_error">'
        "This field is required.</p>" in html
    )


def test_a_select_escapes_its_labels_and_keeps_the_choice():
    html = render(Sample({"area": "c"}), "area")
    assert html.startswith('<div class="ds-field"><label class="ds-label" for="id_area">Område')
    assert '<span class="required-mark">(required)</span></label>' in html
    assert '<select class="ds-input" name="area" id="id_area">' in html
    assert '<option value="a">A &amp; B</option>' in html
    assert '<option value="c" selected>C</option>' in html


def test_an_error_is_tied_to_the_control_and_the_typed_value_stays():
    form = Sample({"amount": "-5 <b>", "comment": "Tekst <i>"})
    form.is_valid()
    html = render(form, "amount")
    # label, then description, then the control, then the error
    assert html.index("<label") < html.index("I heile kroner.") < html.index("<input")
    assert html.index("<input") < html.index("ds-validation-message")
    assert 'aria-describedby="id_amount_helptext id_amount_error" aria-invalid="true"' in html
    assert 'value="-5 &lt;b&gt;"' in html  # as typed, escaped
    assert '<p class="ds-validation-message" data-field="validation" id="id_amount_error">' in html
    assert 'min="0" step="any"' in html
    comment = render(form, "comment")
    assert 'rows="2">Tekst &lt;i&gt;</textarea>' in comment
    assert "aria-invalid" not in comment  # no error there
    assert "(required)" not in comment


def test_help_text_is_described_when_there_is_no_error():
    html = render(Sample(), "amount")
    assert 'aria-describedby="id_amount_helptext"' in html
    assert "aria-invalid" not in html
    assert '<p data-field="description" id="id_amount_helptext">I heile kroner.</p>' in html


def test_the_browser_gets_the_fields_own_limits():
    html = render(Sample(), "order")
    assert 'type="number"' in html
    assert 'min="1" max="9"' in html  # the field's own lower limit, not the amounts' 0
    assert 'step="any"' not in html  # whole numbers


def test_dates_and_times_are_written_as_their_input_types_read_them():
    initial = {
        "decided_on": dt.date(2026, 11, 26),
        "meeting": dt.datetime(2026, 11, 26, 10, 30, tzinfo=ZoneInfo("Europe/Oslo")),
    }
    date = render(Sample(initial=initial), "decided_on")
    assert 'type="date"' in date
    assert 'value="2026-11-26"' in date
    meeting = render(Sample(initial=initial), "meeting")
    assert 'type="datetime-local"' in meeting
    assert 'value="2026-11-26T10:30"' in meeting  # not "2026-11-26 10:30:00"


def test_a_check_box_keeps_its_state_with_the_label_after_it():
    html = render(Sample({"public": "on"}), "public")
    assert html.startswith(
        '<div class="ds-field"><input class="ds-input" type="checkbox" name="public" '
        'id="id_public" checked>'
    )
    assert '<label class="ds-label" for="id_public">Offentleg</label>' in html
    assert "checked" not in render(Sample({}), "public")
