"""Form fields every app uses where Django's own would answer bad input with a server error."""

from __future__ import annotations

from django import forms
from django.db import connections, router


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
