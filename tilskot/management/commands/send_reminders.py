import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from tilskot.reminders import scan_reminders


class Command(BaseCommand):
    help = (
        "Record and send every reminder that is due, and retry failed sends: what Celery beat "
        "does every quarter of an hour. Run it from cron on the embedded default."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--now", help="Pretend it is this moment (ISO 8601, e.g. 2026-12-01T12:00+01:00)."
        )

    def handle(self, *args, now=None, **options):
        if now:
            try:
                moment = dt.datetime.fromisoformat(now)
            except ValueError as error:
                raise CommandError(f"--now: {error}") from error
            if moment.tzinfo is None:
                raise CommandError("--now needs a time zone, e.g. +01:00")
            now = moment.isoformat()
        counts = scan_reminders.apply(kwargs={"now": now}).get()
        self.stdout.write(
            f"Reminders recorded: {counts['reminders']}; failed sends retried: {counts['retried']}"
        )
