"""Accounts move to django-allauth, which logs in only with a confirmed address
(allauth's EmailAddress). Every account that could log in before had confirmed its address by
the link Tilskot e-mailed (or was made by the superuser): those addresses are marked confirmed.
An account still awaiting confirmation (inactive, never logged in) is left for allauth's flow."""

from django.db import migrations


def confirm_existing(apps, schema_editor):
    User = apps.get_model("tilskot", "User")
    EmailAddress = apps.get_model("account", "EmailAddress")
    known = set(EmailAddress.objects.values_list("user_id", flat=True))
    EmailAddress.objects.bulk_create(
        [
            EmailAddress(user_id=pk, email=email, verified=True, primary=True)
            for pk, email in User.objects.filter(is_active=True).values_list("pk", "email")
            if pk not in known
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("tilskot", "0010_role_invitations"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(confirm_existing, migrations.RunPython.noop)]
