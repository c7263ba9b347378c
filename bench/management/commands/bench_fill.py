from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from bench import fill, results


class Command(BaseCommand):
    help = (
        "Fill the database with a deterministic benchmark world of N applications over the four "
        "reference communities (bench/README.md). Writes bench/results/fill-N.json."
    )

    def add_arguments(self, parser):
        parser.add_argument("--applications", type=int, required=True, help="How many (N).")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--rounds", type=int, default=4, help="Rounds per community (at least 3)."
        )
        parser.add_argument("--committee-size", type=int, default=10)
        parser.add_argument(
            "--load-applicants",
            type=int,
            default=8,
            help="Load-test applicants per community, each with drafts in the open round.",
        )
        parser.add_argument(
            "--load-drafts", type=int, default=6, help="Ready-to-submit drafts per load applicant."
        )
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Empty the whole database first (manage.py flush) and load the reference.",
        )

    def handle(self, *args, **options):
        if options["flush"]:
            name = str(connection.settings_dict["NAME"])
            if "bench" not in name:
                raise CommandError(
                    f"Refusing to flush {name!r}: the benchmarks flush only a database whose "
                    "name says bench (bench.settings defaults to tilskot_bench)."
                )
            self.stdout.write(f"Flushing {name} ...")
            call_command("flush", interactive=False, verbosity=0)
        n = options["applications"]
        self.stdout.write(f"Filling {n} applications (seed {options['seed']}) ...")
        try:
            result = fill.fill(
                applications=n,
                seed=options["seed"],
                rounds=options["rounds"],
                committee_size=options["committee_size"],
                load_applicants=options["load_applicants"],
                load_drafts=options["load_drafts"],
                log=self.stdout.write,
            )
        except (fill.WorldExistsError, ValueError) as error:
            raise CommandError(f"{error} Use --flush to start from an empty database.") from None
        path = results.write_json(f"fill-{n}", result)
        counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items())
        self.stdout.write(
            f"Filled in {result['seconds']['total']:.1f} s (fingerprint {result['fingerprint']}): "
            f"{counts}\n→ {path}"
        )
