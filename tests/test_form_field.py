"""``{% form_field %}``: the hand-written field markup of the busiest forms, with what a screen
reader needs (label, legend, errors and help tied to the control) and nothing typed lost."""

import datetime as dt

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
    area = forms.ChoiceField(label="Område", choices=[("", "Alle"), ("a", "A & B"), ("c", "C")])
    comment = forms.CharField(
        label="Kommentar", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    amount = forms.DecimalField(label="Beløp", min_value=0, help_text="I heile kroner.")
    decided_on = forms.DateField(
        label="Dato", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def render(form, name: str) -> str:
    return Template("{% load tilskot %}{% form_field field %}").render(
        Context({"field": form[name]})
    )


def test_radio_buttons_keep_the_choice_under_a_legend():
    html = render(Sample({"score": "2"}), "score")
    assert html.startswith('<fieldset class="mb-3"><legend class="form-label fs-6 mb-1">')
    assert (
        '<input class="form-check-input" type="radio" name="score" id="id_score_2" value="2"'
        in (html)
    )
    assert 'value="2" checked>' in html
    assert html.count("checked") == 1
    assert '<label class="form-check-label" for="id_score_2">2</label>' in html


def test_a_select_escapes_its_labels_and_keeps_the_choice():
    html = render(Sample({"area": "c"}), "area")
    assert '<label class="form-label" for="id_area">Område</label>' in html
    assert '<option value="a">A &amp; B</option>' in html
    assert '<option value="c" selected>C</option>' in html


def test_an_error_is_tied_to_the_control_and_the_typed_value_stays():
    form = Sample({"amount": "-5 <b>", "comment": "Tekst <i>"})
    form.is_valid()
    html = render(form, "amount")
    assert 'class="form-control is-invalid"' in html
    assert 'aria-invalid="true" aria-describedby="id_amount_error"' in html
    assert 'value="-5 &lt;b&gt;"' in html  # as typed, escaped
    assert '<div id="id_amount_error" class="invalid-feedback d-block">' in html
    assert 'step="any" min="0"' in html
    comment = render(form, "comment")
    assert 'rows="2">Tekst &lt;i&gt;</textarea>' in comment


def test_help_text_is_described_when_there_is_no_error():
    html = render(Sample(), "amount")
    assert 'aria-describedby="id_amount_helptext"' in html
    assert '<div id="id_amount_helptext" class="form-text">I heile kroner.</div>' in html
    date = render(Sample(initial={"decided_on": dt.date(2026, 11, 26)}), "decided_on")
    assert 'type="date"' in date
    assert 'value="2026-11-26"' in date
