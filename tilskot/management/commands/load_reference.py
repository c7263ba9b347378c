from django.core.management.base import BaseCommand

from tilskot.reference import load_community_file, reference_files


class Command(BaseCommand):
    help = (
        "Load each community's reference rules from fixtures/reference/*.yaml. A community that "
        "exists is left as its secretariat edited it, unless --update is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--update",
            action="store_true",
            help="Upsert the files' rules into communities that already exist.",
        )

    def handle(self, *args, update=False, **options):
        for path in reference_files():
            result = load_community_file(path, update=update)
            state = "created" if result.created else "updated" if result.updated else "kept"
            self.stdout.write(f"{result.community.slug}: {state} ({path.name})")
