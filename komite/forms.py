from django import forms
from django.utils.translation import gettext_lazy as _

from tilskot.models import CommitteeSeat, Organisation, User


class AppointForm(forms.Form):
    """Appoint a person with an account in Tilskot to the round's committee."""

    email = forms.EmailField(label=_("E-mail address of the member"))
    seat = forms.ModelChoiceField(
        queryset=CommitteeSeat.objects.none(), required=False, label=_("Seat")
    )
    employer = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label=_("Employed by"),
        help_text=_("Applications where this organisation is a party are flagged."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Inside the request's community scope: only this community's seats and members.
        self.fields["seat"].queryset = CommitteeSeat.objects.all()
        self.fields["employer"].queryset = Organisation.objects.order_by("kind", "name")

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        self.user = User.objects.filter(email=email, is_active=True).first()
        if self.user is None:
            raise forms.ValidationError(
                _(
                    "Nobody with this e-mail address has an account in Tilskot. Ask them to "
                    "register first."
                )
            )
        return email


class ReviewForm(forms.Form):
    scoring_deadline = forms.DateTimeField(
        label=_("Scoring deadline"),
        help_text=_("Norwegian time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )


class DeclarationForm(forms.Form):
    CHOICES = [
        ("no", _("I have no conflict of interest in this application")),
        ("yes", _("I have a conflict of interest in this application")),
    ]
    conflict = forms.ChoiceField(
        label=_("Conflict of interest"), choices=CHOICES, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a conflict, and when you work for one of the parties."),
    )
