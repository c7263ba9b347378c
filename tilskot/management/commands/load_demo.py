from django.core.management.base import BaseCommand

from tilskot.demo import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load demo people and open rounds (for `make run`; never in production)."

    def handle(self, *args, **options):
        logins = load_demo()
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo log-ins (password for all: {DEMO_PASSWORD}):")
        )
        for login in logins:
            self.stdout.write(f"  {login.email:<34} {login.description}")
        self.stdout.write("")
