"""The case view of one application: everything the applicant wrote, its submissions and case
log; for the applicant what is still missing, and for the secretariat the screening actions.

The three screening forms live here because this page renders them; ``screening.screen``
handles their POST and re-renders this page through ``render_case`` when one is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from tilskot.forms import error_list
from tilskot.models import ApplicationQuestion, Criterion, Organisation
from tilskot.templatetags.tilskot import required_mark
from tilskot.views import CommunityPageView

from .. import rules
from ..models import Application, BudgetLine, CostGain, Document, QuestionAnswer
from ..services import TRANSITIONS
from .common import application_or_404

Status = Application.Status

TEMPLATE = "soknad/application.html"

# The colour of the status tag (Designsystemet's ds-tag); the text is always the status's name,
# never the colour alone.
STATUS_COLORS: dict[str, str] = {
    Status.DRAFT: "neutral",
    Status.SUBMITTED: "info",
    Status.MORE_INFO: "warning",
    Status.COMPLETE: "success",
    Status.REJECTED: "danger",
    Status.WITHDRAWN: "neutral",
    Status.GRANTED: "success",
    Status.NOT_GRANTED: "danger",
}

TEXT_FIELDS = (
    "method",
    "user_involvement",
    "implementation_plan",
    "evaluation_plan",
    "expected_benefit",
    "transfer_value",
)  # other_funding is shown with the budget


# --- the content of an application (templates/soknad/_application_body.html) ------------------


@dataclass(frozen=True)
class BudgetYear:
    year: int
    lines: list[BudgetLine]
    requested: Decimal
    own_contribution: Decimal

    @property
    def total(self) -> Decimal:
        return self.requested + self.own_contribution


@dataclass(frozen=True)
class Text:
    label: str
    text: str


@dataclass(frozen=True)
class CriterionAnswered:
    criterion: Criterion
    text: str


@dataclass(frozen=True)
class QuestionAnswered:
    question: ApplicationQuestion
    answer: QuestionAnswer | None


@dataclass(frozen=True)
class ApplicationContent:
    parties: list[Organisation]
    agreements: list[Document]
    attachments: list[Document]
    texts: list[Text]
    criteria: list[CriterionAnswered]
    questions: list[QuestionAnswered]
    budget_years: list[BudgetYear]
    totals: rules.BudgetTotals
    costs_gains: list[CostGain]
    cost_total: Decimal
    gain_total: Decimal


def application_content(application: Application) -> ApplicationContent:
    """What ``_application_body.html`` shows, built only from what ``application_get``
    prefetched: no further query however long the application is."""
    scheme = application.round.scheme
    documents = list(application.documents.all())
    criterion_texts = {a.criterion_id: a.text for a in application.criterion_answers.all()}
    question_answers = {a.question_id: a for a in application.question_answers.all()}
    lines = list(application.budget_lines.all())  # ordered by year
    budget_years = []
    for year, group in groupby(lines, key=lambda line: line.year):
        year_lines = list(group)
        budget_years.append(
            BudgetYear(
                year=year,
                lines=year_lines,
                requested=sum((line.requested_amount for line in year_lines), Decimal(0)),
                own_contribution=sum((line.own_contribution for line in year_lines), Decimal(0)),
            )
        )
    costs_gains = list(application.costs_gains.all())
    return ApplicationContent(
        parties=rules.parties(application),
        agreements=[d for d in documents if d.kind == Document.Kind.AGREEMENT],
        attachments=[d for d in documents if d.kind != Document.Kind.AGREEMENT],
        texts=[
            Text(Application._meta.get_field(name).verbose_name, getattr(application, name))
            for name in TEXT_FIELDS
        ],
        criteria=[
            CriterionAnswered(criterion, criterion_texts.get(criterion.pk, ""))
            for criterion in scheme.criteria.all()
        ],
        questions=[
            QuestionAnswered(question, question_answers.get(question.pk))
            for question in scheme.questions.all()
        ],
        budget_years=budget_years,
        totals=rules.BudgetTotals(
            requested=sum((y.requested for y in budget_years), Decimal(0)),
            own_contribution=sum((y.own_contribution for y in budget_years), Decimal(0)),
        ),
        costs_gains=costs_gains,
        cost_total=sum((cg.cost_per_year for cg in costs_gains), Decimal(0)),
        gain_total=sum((cg.gain_per_year for cg in costs_gains), Decimal(0)),
    )


# --- the screening forms -----------------------------------------------------------------------

# Editing "review" is always allowed after a request for more information (rules.can_edit_step),
# so it is not offered as a choice.
MORE_INFO_STEPS = [(key, title) for key, title in rules.STEPS if key != "review"]


class CompleteForm(forms.Form):
    prefix = "complete"  # also the value of the POSTed ``action``
    to = Status.COMPLETE


class MoreInfoForm(forms.Form):
    prefix = "more_info"
    to = Status.MORE_INFO

    message = forms.CharField(
        label=_("What information do you need?"),
        help_text=_("Sent to the applicant by e-mail and shown with the application."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what information you need.")},
    )
    steps = forms.MultipleChoiceField(
        label=_("Parts of the application the applicant may change"),
        choices=MORE_INFO_STEPS,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose the parts of the application the applicant may change.")
        },
    )

    def steps_field(self) -> SafeString:
        """The check boxes of ``steps`` in Designsystemet's markup (as our crispy-forms pack
        draws them), written out in Python like ``{% form_field %}``, which has no check-box
        group."""
        field = self["steps"]
        auto_id, errors = field.auto_id, field.errors
        error_id = f"{auto_id}_error" if errors else ""
        chosen = {str(v) for v in (field.value() or [])}
        invalid = mark_safe(' aria-invalid="true"') if errors else ""
        boxes = format_html_join(
            "",
            '<div class="ds-field"><input class="ds-input" type="checkbox" name="{}" '
            'value="{}" id="{}_{}"{}{}><label class="ds-label" for="{}_{}">{}</label></div>',
            (
                (
                    field.html_name,
                    value,
                    auto_id,
                    i,
                    " checked" if value in chosen else "",
                    invalid,
                    auto_id,
                    i,
                    label,
                )
                for i, (value, label) in enumerate(field.field.choices)
            ),
        )
        return format_html(
            '<fieldset class="ds-fieldset" id="{}"{}><legend class="ds-label">{}{}</legend>'
            "{}{}</fieldset>",
            auto_id,
            format_html(' aria-describedby="{}"', error_id) if errors else "",
            field.label,
            required_mark(field),
            boxes,
            format_html(
                '<p class="ds-validation-message" data-field="validation" id="{}">{}</p>',
                error_id,
                " ".join(errors),
            )
            if errors
            else "",
        )


class RejectForm(forms.Form):
    prefix = "reject"
    to = Status.REJECTED

    reason = forms.CharField(
        label=_("Reason for the rejection"),
        help_text=_("Sent to the applicant by e-mail and kept in the case log."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Give the reason for the rejection.")},
    )


SCREENING_FORMS: dict[str, type[forms.Form]] = {
    form.prefix: form for form in (CompleteForm, MoreInfoForm, RejectForm)
}


def screening_forms(
    application: Application, bound: forms.Form | None = None
) -> tuple[dict[str, forms.Form], str]:
    """The actions the application's status allows, each as an unbound form, except the one
    just posted (``bound``), which keeps what was typed and its errors; or none, and why, where
    a later stage has closed the screening."""
    allowed = TRANSITIONS[application.status]
    if any(form_class.to in allowed for form_class in SCREENING_FORMS.values()) and (
        closed := rules.screening_closed(application)
    ):
        return {}, closed
    result = {}
    for action, form_class in SCREENING_FORMS.items():
        if bound is not None and bound.prefix == action:
            result[action] = bound
        elif form_class.to in allowed:
            result[action] = form_class()
    return result, ""


# --- the page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MissingItem:
    step_title: str
    message: str
    step: str
    editable: bool


def case_context(
    request, application: Application, *, bound: forms.Form | None = None, error: str = ""
) -> dict:
    user = request.user
    is_applicant = rules.is_applicant_of(user, application)
    can_screen = rules.can_screen(user, application)
    step_titles = dict(rules.STEPS)
    missing: list[MissingItem] = []
    warnings: list[str] = []
    editable_steps: list[str] = []
    if is_applicant and application.is_editable:
        editable_steps = [
            key for key in rules.STEP_KEYS if rules.can_edit_step(user, application, key)
        ]
        missing = [
            MissingItem(
                step_title=step_titles[m.step],
                message=m.message,
                step=m.step,
                editable=m.step in editable_steps,
            )
            for m in rules.application_missing(application)
        ]
        warnings = rules.application_warnings(application)
    signing = (
        rules.application_signing(user, application)
        if is_applicant and application.is_editable
        else None
    )
    forms_, screening_closed = screening_forms(application, bound) if can_screen else ({}, "")
    errors = error_list(bound) if bound is not None else []
    if error:
        errors.insert(0, ("screening", error))
    return {
        "application": application,
        "status_color": STATUS_COLORS[application.status],
        "content": application_content(application),
        "is_applicant": is_applicant,
        "can_screen": can_screen,
        "edit_step": editable_steps[0] if editable_steps else "",
        "can_withdraw": rules.can_withdraw(user, application),
        "missing": missing,
        "warnings": warnings,
        "signing": signing,
        "more_info_step_titles": [
            step_titles[key] for key in application.more_info_steps if key in step_titles
        ],
        "screening_forms": forms_,
        "screening_closed": screening_closed,
        "error_list": errors,
        "submissions": list(application.submissions.all()),
        "status_changes": list(application.status_changes.all()),
        "sections": rules.case_sections(user, application),
    }


def render_case(
    request, application: Application, *, bound: forms.Form | None = None, error: str = ""
):
    """The case page again, e.g. with a refused screening form and what was typed in it."""
    context = case_context(request, application, bound=bound, error=error)
    return render(request, TEMPLATE, {"community": request.community, **context})


class ApplicationView(LoginRequiredMixin, CommunityPageView):
    """For the applicant, the co-applicants and the community's secretariat; a 404 for anyone
    else logged in, and the log-in page first for someone who is not (e-mails link here)."""

    template_name = TEMPLATE

    def get_context_data(self, **kwargs):
        application = application_or_404(self.request, self.kwargs["application"])
        return super().get_context_data(**case_context(self.request, application), **kwargs)
