"""The forms of the application's steps. They parse and validate input; saving goes through
``soknad.services``. Which fields a step shows comes from the community's scheme (data)."""

from __future__ import annotations

from django import forms
from django.forms import inlineformset_factory
from django.utils.translation import gettext_lazy as _

from tilskot.forms import ModelMultipleChoiceField
from tilskot.models import Criterion, Organisation, PriorityArea

from .models import Application, BudgetLine, CostGain
from .uploads import validate_upload

TEXTAREA = {"rows": 4}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class BasicsForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = ["title", "summary", "description", "period_start", "period_end"]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "period_start": DateInput(),
            "period_end": DateInput(),
        }

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period must end after it starts."))
        return cleaned


def organisation_choice(label, *, required=False) -> forms.ModelChoiceField:
    """Tenant-owned choices are filled in ``__init__``, inside the request's community scope;
    at import time there is no scope, so the class only holds an empty queryset."""
    return forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=label, required=required
    )


class PartiesForm(forms.ModelForm):
    responsible_organisation = organisation_choice(_("Responsible organisation"))
    partners = ModelMultipleChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label=_("Partners"),
        widget=forms.CheckboxSelectMultiple,
    )
    agreement = forms.FileField(
        label=_("Documented agreement between the parties"),
        required=False,
        help_text=_("PDF, Word (DOCX), Excel (XLSX) or OpenDocument (ODT), at most 20 MB."),
    )

    class Meta:
        model = Application
        fields = [
            "responsible_organisation",
            "applicant_reference",
            "partners",
            "anchoring_name",
            "anchoring_title",
            "patient_responsibility",
        ]
        widgets = {"patient_responsibility": forms.Textarea(attrs=TEXTAREA)}
        labels = {"applicant_reference": _("Your reference")}

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("kind", "name")
        self.fields["responsible_organisation"].queryset = organisations
        self.fields["partners"].queryset = organisations
        self.fields["partners"].help_text = _("The municipalities and hospital units taking part.")
        if not scheme.requires_anchoring:
            del self.fields["anchoring_name"]
            del self.fields["anchoring_title"]
        if not scheme.asks_patient_responsibility:
            del self.fields["patient_responsibility"]

    def clean_agreement(self):
        upload = self.cleaned_data.get("agreement")
        if upload:
            validate_upload(upload)
        return upload


class ContentForm(forms.ModelForm):
    priority_areas = ModelMultipleChoiceField(
        queryset=PriorityArea.objects.none(),
        required=False,
        label=_("Priority areas"),
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Application
        fields = ["priority_areas", *Application.TEXT_FIELDS]
        widgets = {name: forms.Textarea(attrs=TEXTAREA) for name in Application.TEXT_FIELDS}

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["priority_areas"].queryset = PriorityArea.objects.filter(scheme=scheme)


class AnswersForm(forms.Form):
    """One field per criterion and per question of the community's scheme: adding a question
    to a community's data adds it here, without a code change."""

    YES_NO = [("", _("Not answered")), ("yes", _("Yes")), ("no", _("No"))]

    def __init__(self, *args, application: Application, **kwargs):
        super().__init__(*args, **kwargs)
        scheme = application.round.scheme
        saved = application.pk is not None  # the rules pages' preview shows a new one
        answers = (
            {a.criterion_id: a.text for a in application.criterion_answers.all()} if saved else {}
        )
        question_answers = (
            {a.question_id: a for a in application.question_answers.all()} if saved else {}
        )
        self.criteria = list(scheme.criteria.all())
        self.questions = list(scheme.questions.all())
        for criterion in self.criteria:
            help_text = criterion.description
            if criterion.kind == Criterion.Kind.CHECK:
                help_text = _("Answer if the measure meets this criterion.")
            self.fields[f"criterion_{criterion.pk}"] = forms.CharField(
                label=criterion.title,
                help_text=help_text,
                required=False,
                widget=forms.Textarea(attrs={**TEXTAREA, "lang": scheme.community.language}),
                initial=answers.get(criterion.pk, ""),
            )
        for question in self.questions:
            answer = question_answers.get(question.pk)
            if question.answer_type == question.AnswerType.YES_NO:
                initial = (
                    "" if answer is None or answer.yes is None else ("yes" if answer.yes else "no")
                )
                self.fields[f"question_{question.pk}_yes"] = forms.ChoiceField(
                    label=question.text,
                    choices=self.YES_NO,
                    required=False,
                    widget=forms.RadioSelect,
                    initial=initial,
                )
            self.fields[f"question_{question.pk}"] = forms.CharField(
                label=(
                    question.text
                    if question.answer_type == question.AnswerType.TEXT
                    else _("Explain")
                ),
                help_text=question.help_text,
                required=False,
                widget=forms.Textarea(attrs=TEXTAREA),
                initial=answer.text if answer else "",
            )

    def criterion_answers(self) -> dict[int, str]:
        return {c.pk: self.cleaned_data.get(f"criterion_{c.pk}", "") for c in self.criteria}

    def question_answers(self) -> dict[int, tuple[bool | None, str]]:
        result = {}
        for q in self.questions:
            yes = {"yes": True, "no": False}.get(self.cleaned_data.get(f"question_{q.pk}_yes"))
            result[q.pk] = (yes, self.cleaned_data.get(f"question_{q.pk}", ""))
        return result


class PartyChoiceMixin:
    """Budget and cost lines name a party among the community's organisations."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.order_by("kind", "name")


class BudgetLineForm(PartyChoiceMixin, forms.ModelForm):
    organisation = organisation_choice(_("Party"), required=True)

    class Meta:
        model = BudgetLine
        fields = [
            "year",
            "organisation",
            "description",
            "requested_amount",
            "own_contribution",
            "own_contribution_kind",
        ]


class CostGainForm(PartyChoiceMixin, forms.ModelForm):
    organisation = organisation_choice(_("Party"), required=True)

    class Meta:
        model = CostGain
        fields = ["organisation", "cost_per_year", "gain_per_year", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


BudgetFormSet = inlineformset_factory(
    Application, BudgetLine, form=BudgetLineForm, extra=1, can_delete=True
)
CostGainFormSet = inlineformset_factory(
    Application, CostGain, form=CostGainForm, extra=1, can_delete=True
)


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address of the co-applicant"),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the application?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
