"""Bergen's decision letters had a template of their own (komite/letters/bergen.html) with one
paragraph more: the grant needs no separate audit. Letters are one template now, and what
differs is the community's data: a deployment that loaded Bergen before keeps its paragraph."""

from django.db import migrations

BERGEN_GRANT_TEXT = (
    "Tilskotet krev ikkje eigen revisjon: midlane inngår i den ordinære revisjonen i "
    "organisasjonen som får dei."
)


def forwards(apps, schema_editor):
    Community = apps.get_model("tilskot", "Community")
    Community.objects.filter(slug="bergen", letter_grant_text="").update(
        letter_grant_text=BERGEN_GRANT_TEXT
    )


class Migration(migrations.Migration):
    dependencies = [("tilskot", "0013_community_letter_texts_scale_words")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
