from django import forms
from django.utils.translation import gettext_lazy as _

from .models import FinalReport

TEXTAREA = {"rows": 4}


class ReportForm(forms.Form):
    """The final report on the community's form: the fixed parts, the money spent per budget
    line, and the community's own questions. Nothing is required to save a draft;
    ``rapport.services.report_missing`` says what submitting needs."""

    CONTINUES = [("", _("Not answered")), ("yes", _("Yes")), ("no", _("No"))]

    continues = forms.ChoiceField(
        label=_("Does the measure continue in ordinary operation?"),
        choices=CONTINUES,
        required=False,
    )
    share_learning = forms.BooleanField(
        label=_("The learning points may be published with the granted projects"),
        required=False,
    )
    auditor_confirmation = forms.FileField(label=_("Auditor's confirmation"), required=False)

    def __init__(self, *args, report: FinalReport, lines, questions, auditor: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.questions = questions
        model_fields = {f.name: f for f in FinalReport._meta.fields}
        for name in FinalReport.TEXT_FIELDS:
            field = model_fields[name]
            self.fields[name] = forms.CharField(
                label=field.verbose_name.capitalize(),
                help_text=field.help_text,
                required=False,
                widget=forms.Textarea(attrs=TEXTAREA),
            )
        self.order_fields(FinalReport.TEXT_FIELDS)
        for line in lines:
            self.fields[f"spent_{line.pk}"] = forms.DecimalField(
                label=f"{line.year} – {line.organisation}"
                + (f": {line.description}" if line.description else ""),
                required=False,
                min_value=0,
                decimal_places=2,
                max_digits=14,
            )
        for question in questions:
            self.fields[f"answer_{question.pk}"] = forms.CharField(
                label=question.text,
                help_text=question.help_text,
                required=False,
                widget=forms.Textarea(attrs=TEXTAREA),
            )
        if not auditor:
            del self.fields["auditor_confirmation"]

    def text_fields(self):
        return [self[name] for name in FinalReport.TEXT_FIELDS]

    def spending_fields(self):
        return [(line, self[f"spent_{line.pk}"]) for line in self.lines]

    def answer_fields(self):
        return [self[f"answer_{q.pk}"] for q in self.questions]


class ReturnReportForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the recipient change?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
