from django import forms
from django.utils.translation import gettext_lazy as _

from tilskot.validators import validate_org_number

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONEY = {"min_value": 0, "decimal_places": 2, "max_digits": 14}


class AcceptForm(forms.Form):
    accepted_as = forms.CharField(
        label=_("I accept as"),
        max_length=200,
        help_text=_("Your title or role, e.g. “kommunalsjef” or “head of unit”."),
        required=False,
    )
    bank_account = forms.CharField(
        label=_("Account number for the payments"),
        max_length=20,
        required=False,
        help_text=_("11 digits, e.g. 1234.56.78903."),
    )

    def __init__(self, *args, internal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if internal:
            del self.fields["bank_account"]


class PaymentForm(forms.Form):
    number = forms.CharField(label=_("Invoice number"), max_length=60)
    date = forms.DateField(label=_("Invoice date"), widget=DATE)
    amount = forms.DecimalField(label=_("Amount (NOK)"), **MONEY)
    org_number = forms.CharField(
        label=_("Organisation number of the invoicing party"),
        max_length=11,
        validators=[validate_org_number],
    )
    organisation_name = forms.CharField(label=_("Invoicing organisation"), max_length=200)
    marking = forms.CharField(
        label=_("The invoice is marked"),
        max_length=100,
        required=False,
        help_text=_("Type the marking exactly as it stands on the invoice."),
    )
    file = forms.FileField(label=_("The invoice (PDF)"), required=False)
    kept_file = forms.CharField(required=False, widget=forms.HiddenInput)  # utbetaling/kept.py

    def __init__(self, *args, internal: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if internal:
            for name in ("org_number", "organisation_name", "marking", "file", "kept_file"):
                del self.fields[name]
            self.fields["number"].label = _("Voucher number")
            self.fields["date"].label = _("Booking date")

    def clean_org_number(self):
        return self.cleaned_data["org_number"].replace(" ", "")


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is it returned?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class PaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=DATE)


class ReallocationForm(forms.Form):
    reason = forms.CharField(
        label=_("Why change the budget or the period?"), widget=forms.Textarea(attrs={"rows": 3})
    )
    period_end = forms.DateField(
        label=_("New end of the period"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty to keep the period."),
    )

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.DecimalField(
                label=f"{line.year} – {line.organisation}"
                + (f": {line.description}" if line.description else ""),
                initial=line.amount,
                **MONEY,
            )

    def amounts(self) -> dict:
        return {line.pk: self.cleaned_data[f"line_{line.pk}"] for line in self.lines}

    def line_fields(self):
        return [self[f"line_{line.pk}"] for line in self.lines]


class DecideForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed when the request is rejected."),
    )


class ClaimForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount to repay (NOK)"), **MONEY)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))
    due_date = forms.DateField(label=_("Due date"), widget=DATE)


class SettleForm(forms.Form):
    settled_on = forms.DateField(label=_("Settled on"), widget=DATE)


class FinanceFilterForm(forms.Form):
    ROUTES = [
        ("", _("All")),
        ("invoice", _("Against invoices")),
        ("internal", _("Booked internally")),
    ]
    STATUSES = [("", _("All")), ("open", _("Open")), ("closed", _("Closed"))]

    runde = forms.TypedChoiceField(label=_("Round"), required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES, required=False)
    route = forms.ChoiceField(label=_("Payment"), choices=ROUTES, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, rounds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["runde"].choices = [("", _("All"))] + [(r.pk, r.name) for r in rounds]
