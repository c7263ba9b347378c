"""The forms of the community's rules pages (``tilskot.rules_views``): one model form per
section, or an inline formset of the section's rows, each row kept in the order it is shown."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db import models
from django.db.models import Q
from django.forms.models import BaseInlineFormSet, inlineformset_factory
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from .models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    Criterion,
    Organisation,
    PriorityArea,
    ReportQuestion,
    Round,
    Scheme,
    SchemeFunding,
)
from .rules import deadline_locked

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class TenantModelForm(forms.ModelForm):
    """A model form whose instance already belongs to the community (or scheme) before it is
    bound: the unique constraints that name ``community``/``scheme`` are checked on the form,
    with a message on the page, instead of ending in an IntegrityError."""

    tenant_fields = ("community", "scheme")

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        return {name for name in exclude if name not in self.tenant_fields}


def _formfield(field, **kwargs):
    """A model field's form field; a web address typed without a scheme is https (Django 6's
    default, asked for now), and a choice of a tenant's rows queries nothing at import."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    if isinstance(field, models.ForeignKey):
        # The choices are the community's, set once its scope is active (in ``__init__``).
        kwargs.setdefault("queryset", field.related_model._base_manager.none())
    return field.formfield(**kwargs)


class CommunityForm(TenantModelForm):
    class Meta:
        model = Community
        formfield_callback = _formfield
        fields = [
            "name",
            "description",
            "language",
            "postal_address",
            "postcode",
            "postal_place",
            "org_number",
            "contact_email",
            "website",
            "logo",
            "assessing_body",
            "decision_body",
            "second_decision_body",
            "appeal_body",
            "payment_project_number",
            "internal_booking",
            "reminder_days",
            "scores_hidden_until_own",
            "affiliated_are_parties",
            "letter_signatory_name",
            "letter_signatory_title",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class LettersForm(TenantModelForm):
    class Meta:
        model = Community
        fields = [
            "letter_greeting",
            "letter_contact_text",
            "letter_grant_text",
            "letter_refusal_text",
        ]
        widgets = {
            "letter_contact_text": TEXTAREA,
            "letter_grant_text": forms.Textarea(attrs={"rows": 5}),
            "letter_refusal_text": forms.Textarea(attrs={"rows": 5}),
        }


class OrganisationForm(TenantModelForm):
    class Meta:
        model = Organisation
        formfield_callback = _formfield
        fields = [
            "kind",
            "name",
            "org_number",
            "municipality_number",
            "parent",
            "postal_address",
            "postcode",
            "postal_place",
            "membership_confirmed",
            "source",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A unit belongs to the community's hospital trust; nothing else has a parent.
        self.fields["parent"].queryset = Organisation.objects.filter(
            kind=Organisation.Kind.HOSPITAL_TRUST
        )


class SchemeForm(TenantModelForm):
    class Meta:
        model = Scheme
        fields = [
            "name",
            "purpose",
            "who_may_apply",
            "requires_municipality_partner",
            "requires_hospital_partner",
            "requires_documented_agreement",
            "requires_anchoring",
            "anchoring_level",
            "asks_patient_responsibility",
            "requires_own_contribution",
            "requires_lasting_operation",
            "requires_signer",
            "report_due_months",
            "auditor_threshold",
            "min_checks_met",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 5}),
            "who_may_apply": forms.Textarea(attrs={"rows": 5}),
        }

    def clean(self):
        data = super().clean()
        if data.get("requires_anchoring") is False and (data.get("anchoring_level") or "").strip():
            self.add_error(
                "anchoring_level",
                _("Tick “requires anchoring at the leader level” to ask for a level."),
            )
        return data


class OrderedFormSet(BaseInlineFormSet):
    """An inline formset whose rows are kept in the order shown: each kept row's ``order`` is
    its position, new rows last. Rows are deleted only through the view (which first checks that
    nothing refers to them), never by ``save()``."""

    def save_rows(self) -> tuple[int, int]:
        """Save changed and new rows, in the order shown; (changed, added)."""
        changed = added = 0
        position = 0
        for form in self.forms:
            if form in self.deleted_forms or not (form.instance.pk or form.has_changed()):
                continue
            position += 1
            instance = form.instance
            if hasattr(instance, "order") and instance.order != position:
                instance.order = position
                form.changed_data.append("order")
            if instance.pk is None:
                form.save()
                added += 1
            elif form.has_changed():
                form.save()
                changed += 1
        return changed, added


def _formset(model, parent, fields, *, widgets=None, form=TenantModelForm, extra=2):
    return inlineformset_factory(
        parent,
        model,
        form=form,
        formset=OrderedFormSet,
        fields=fields,
        widgets=widgets or {},
        extra=extra,
        can_delete=True,
    )


class CriterionForm(TenantModelForm):
    class Meta:
        model = Criterion
        fields = [
            "title",
            "description",
            "kind",
            "score_min",
            "score_max",
            "score_min_label",
            "score_max_label",
        ]
        widgets = {"description": TEXTAREA}


CriterionFormSet = _formset(Criterion, Scheme, CriterionForm.Meta.fields, form=CriterionForm)


class PriorityAreaFormSetBase(OrderedFormSet):
    """The community's own priority areas; the national ones are switched on or off as one."""

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk is None:
            form.instance.kind = PriorityArea.Kind.COMMUNITY
        return form

    def get_queryset(self):
        return super().get_queryset().filter(kind=PriorityArea.Kind.COMMUNITY)


PriorityAreaFormSet = inlineformset_factory(
    Scheme,
    PriorityArea,
    form=TenantModelForm,
    formset=PriorityAreaFormSetBase,
    fields=["name", "description"],
    widgets={"description": TEXTAREA},
    extra=2,
    can_delete=True,
)


class NationalPrioritiesForm(forms.Form):
    national = forms.BooleanField(
        label=_("Include the national priority areas"),
        required=False,
        help_text=_(
            "The national priority areas the Ministry of Health sets for the grant, in the "
            "community's language. Applicants choose among them and the community's own areas."
        ),
    )


class KeyedQuestionForm(TenantModelForm):
    """A question with a key that stays when its wording changes (exports and the final report
    name answers by it); left empty, the key is made from the question."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].required = False
        self.fields["key"].help_text = _(
            "Letters a–z, digits and hyphens; it names the answers in exports. Leave empty to "
            "have it made from the question."
        )

    def clean(self):
        data = super().clean()
        if not data.get("key") and data.get("text"):
            base = slugify(data["text"])[:50].strip("-") or "question"
            model = self._meta.model
            taken = set(
                model.objects.filter(scheme=self.instance.scheme_id)
                .exclude(pk=self.instance.pk)
                .values_list("key", flat=True)
            )
            key, n = base, 1
            while key in taken:
                n += 1
                key = f"{base}-{n}"
            data["key"] = key
        return data


class QuestionForm(KeyedQuestionForm):
    class Meta:
        model = ApplicationQuestion
        fields = ["text", "key", "help_text", "answer_type", "required"]
        widgets = {"help_text": TEXTAREA}


class ReportQuestionForm(KeyedQuestionForm):
    class Meta:
        model = ReportQuestion
        fields = ["text", "key", "help_text", "required"]
        widgets = {"help_text": TEXTAREA}


QuestionFormSet = _formset(ApplicationQuestion, Scheme, QuestionForm.Meta.fields, form=QuestionForm)
ReportQuestionFormSet = _formset(
    ReportQuestion, Scheme, ReportQuestionForm.Meta.fields, form=ReportQuestionForm
)
CommitteeSeatFormSet = _formset(CommitteeSeat, Community, ["title", "count"], extra=3)
FundingFormSet = _formset(SchemeFunding, Scheme, ["year", "amount", "source"])


class DateTimeBoundField(forms.BoundField):
    @property
    def parts(self) -> list[dict]:
        """The date's and the time's input (name, id, type, value), for a template that labels
        each."""
        attrs = self.build_widget_attrs({"id": self.auto_id})
        context = self.field.widget.get_context(self.html_name, self.value(), attrs)
        return context["widget"]["subwidgets"]


class OsloDateTimeField(forms.SplitDateTimeField):
    """A date and a time of day, typed in two fields and read as Norwegian time (the project's
    time zone, Europe/Oslo)."""

    widget = forms.SplitDateTimeWidget

    def __init__(self, **kwargs):
        super().__init__(
            widget=forms.SplitDateTimeWidget(
                date_attrs={"type": "date"},
                time_attrs={"type": "time"},
                date_format="%Y-%m-%d",
                time_format="%H:%M",
            ),
            **kwargs,
        )

    def get_bound_field(self, form, field_name):
        return DateTimeBoundField(form, self, field_name)


class RoundForm(TenantModelForm):
    opens_at = OsloDateTimeField(
        label=_("Opens"), help_text=_("Date and time, Norwegian time (Europe/Oslo).")
    )
    closes_at = OsloDateTimeField(
        label=_("Deadline"), help_text=_("Date and time, Norwegian time (Europe/Oslo).")
    )

    class Meta:
        model = Round
        formfield_callback = _formfield
        fields = [
            "name",
            "description",
            "opens_at",
            "closes_at",
            "expected_answer",
            "budget",
            "max_amount",
            "money_from",
        ]
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scheme = self.instance.scheme
        earlier = Round.objects.filter(scheme=scheme)
        if self.instance.pk:
            earlier = earlier.filter(
                Q(closes_at__lt=self.instance.closes_at) | Q(pk=self.instance.money_from_id)
            ).exclude(pk=self.instance.pk)
        self.fields["money_from"].queryset = earlier
        self.fields["money_from"].help_text = _(
            "Only for an extra round: the earlier round of this scheme whose money left after its "
            "decision this round spends."
        )

    def clean(self):
        data = super().clean()
        budget, maximum = data.get("budget"), data.get("max_amount")
        if budget is not None and maximum is not None and maximum > budget:
            self.add_error(
                "max_amount", _("The maximum per application cannot exceed the money available.")
            )
        closes, source = data.get("closes_at"), data.get("money_from")
        if (
            self.instance.pk
            and isinstance(closes, dt.datetime)
            and closes > self.instance.closes_at
            and (reason := deadline_locked(self.instance))
        ):
            self.add_error("closes_at", reason)
        if source is not None and isinstance(closes, dt.datetime) and source.closes_at >= closes:
            self.add_error(
                "money_from", _("Choose a round whose deadline came before this round's.")
            )
        return data
