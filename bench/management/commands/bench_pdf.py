from django.core.management.base import BaseCommand, CommandError

from bench import letters, results, world

TARGET_PER_LETTER_S = 0.3  # issue 7: at most 0.3 s per decision letter


class Command(BaseCommand):
    help = (
        "Decision letters: the time of one letter and of a round's batch (the Celery task run "
        "in this process), with its memory. Adds a decided round to the world. Writes "
        "bench/results/pdf.json and .md."
    )

    def add_arguments(self, parser):
        parser.add_argument("--community", default="bergen")
        parser.add_argument("--letters", type=int, default=200, help="Letters in the batch.")
        parser.add_argument("--single", type=int, default=20, help="Letters timed one by one.")

    def handle(self, *args, **options):
        try:
            result = letters.run(
                slug=options["community"],
                letters=options["letters"],
                single=options["single"],
                log=self.stdout.write,
            )
        except world.WorldMissingError as error:
            raise CommandError(str(error)) from None
        result["misses"] = misses(result)
        results.write_json("pdf", result)
        text = markdown(result)
        results.write_text("pdf.md", text)
        self.stdout.write(text)


def misses(result: dict) -> list[str]:
    found = []
    one, batch = result["one_letter"], result["batch"]
    if one["p95_s"] > TARGET_PER_LETTER_S:
        found.append(f"one letter p95 {one['p95_s']} s > {TARGET_PER_LETTER_S}")
    if batch["status"] != "done" or batch["done"] != result["letters"]:
        found.append(f"batch {batch['status']}, {batch['done']} of {result['letters']}")
    if batch["per_letter_s"] > TARGET_PER_LETTER_S:
        found.append(f"batch {batch['per_letter_s']} s per letter > {TARGET_PER_LETTER_S}")
    return found


def markdown(result: dict) -> str:
    one, batch, memory = result["one_letter"], result["batch"], result["memory_mb"]
    return (
        f"# Decision letters ({result['community']}, {result['letters']} decisions, "
        f"{result['granted']} granted)\n\nCode {result.get('code', results.code_version())}.\n\n"
        + results.table(
            ["measure", "value"],
            [
                ["first letter (templates and fonts loaded)", f"{one['first_s']} s"],
                [f"one letter, median of {one['measured']}", f"{one['median_s']} s"],
                ["one letter, p95", f"{one['p95_s']} s"],
                ["one letter, size", f"{one['pdf_kb']} KB"],
                [
                    f"batch of {result['letters']} (render, keep, notify, ZIP)",
                    f"{batch['seconds']} s ({batch['per_letter_s']} s per letter)",
                ],
                ["batch status", f"{batch['status']}, {batch['done']} done"],
                ["ZIP", f"{batch['zip_kb']} KB"],
                [
                    "resident memory before / 25% / 50% / 75% / end of the batch",
                    f"{memory['before']} / {memory['at 25%']} / {memory['at 50%']} / "
                    f"{memory['at 75%']} / {memory['end']} MB",
                ],
                ["peak during the batch", f"{memory['peak']} MB (+{memory['peak_growth']} MB)"],
            ],
            "lr",
        )
        + "\n"
        + ("".join(f"- ✗ {m}\n" for m in result["misses"]) or "Targets met.\n")
    )
