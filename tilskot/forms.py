"""What every app's forms share: the list of a form's errors for the error summary, and form
fields where Django's own would answer bad input with a server error."""

from __future__ import annotations

from django import forms
from django.db import connections, router
from django.utils.translation import gettext_lazy as _


class ModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django's, with an id too large for the database (``99999999999999999999``) refused as
    an invalid choice like any other, instead of an OverflowError (SQLite) or DataError
    (PostgreSQL) from its ``__in`` lookup. (Django's single ModelChoiceField already copes.)"""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        model = self.queryset.model
        field = model._meta.pk if key == "pk" else model._meta.get_field(key)
        connection = connections[router.db_for_read(model)]
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        if low is not None or high is not None:
            for item in value if isinstance(value, list | tuple) else [value]:
                try:
                    number = int(str(item))
                except ValueError:
                    continue  # Django's own check says it is not a valid choice
                if (low is not None and number < low) or (high is not None and number > high):
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"],
                        code="invalid_choice",
                        params={"value": item},
                    )
        return super()._check_values(value)


def error_list(form: forms.Form) -> list[tuple[str, str]]:
    """(id of the control or the form, message) for each error of ``form``, as
    ``soknad/_error_summary.html`` lists them (every app's pages use it)."""
    form_anchor = f"{form.prefix}-form" if form.prefix else ""  # no link without a form id
    errors = [(form_anchor, str(e)) for e in form.non_field_errors()]
    for field in form:
        anchor = field.auto_id
        if isinstance(field.field.widget, forms.CheckboxSelectMultiple):
            anchor = f"{anchor}_0"  # the first checkbox
        errors.extend((anchor, str(e)) for e in field.errors)
    return errors


class DayListFormField(forms.CharField):
    """Days before a deadline typed as "14, 3, 1" (spaces, commas or both), kept as
    ``[14, 3, 1]``: largest first, each once."""

    default_error_messages = {
        "invalid": _("Give whole numbers of days above 0, separated by commas, e.g. “14, 3, 1”."),
    }

    def __init__(self, *, encoder=None, decoder=None, **kwargs):  # JSONField passes these
        kwargs.setdefault("help_text", _("E.g. “14, 3, 1”."))
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(str(day) for day in value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        parts = [part for part in text.replace(",", " ").replace(";", " ").split() if part]
        if not all(part.isdigit() and 0 < int(part) < 1000 for part in parts):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(part) for part in parts}, reverse=True)

    def has_changed(self, initial, data):
        try:
            return self.to_python(data) != (initial or [])
        except forms.ValidationError:
            return True


class NameSignupForm(forms.Form):
    """The name a person is shown by, asked at registration; allauth's sign-up form adds the
    e-mail address and the password twice (setting ``ACCOUNT_SIGNUP_FORM_CLASS``)."""

    first_name = forms.CharField(
        label=_("First name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "family-name"}),
    )

    def signup(self, request, user) -> None:
        user.first_name = self.cleaned_data["first_name"]
        user.last_name = self.cleaned_data["last_name"]
        user.save(update_fields=["first_name", "last_name"])


class RoleInviteForm(forms.Form):
    """The secretariat invites an e-mail address to one of the community's own roles."""

    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=())

    def __init__(self, *args, **kwargs):
        # Imported here: allauth imports this module for its sign-up form, and the models
        # may not be ready yet then.
        from .models.people import STAFF_ROLE_CHOICES

        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", _("Choose a role")), *STAFF_ROLE_CHOICES]

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()
