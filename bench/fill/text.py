"""Deterministic Norwegian-looking text of realistic length, from a seeded generator.

Sentences are drawn once into a pool and texts are picked from it, so a fill of 10,000
applications spends its time in the database rather than in string building.
"""

from __future__ import annotations

import random

SUBJECTS = [
    "Kommunen",
    "Sjukehuset",
    "Prosjektgruppa",
    "Det ambulante teamet",
    "Fastlegane",
    "Heimetenesta",
    "Brukarrepresentantane",
    "Avdelinga",
    "Samhandlingsteamet",
    "Jordmortenesta",
    "Legevakta",
    "Rehabiliteringstenesta",
]
VERBS = [
    "følgjer opp",
    "kartlegg",
    "prøver ut",
    "evaluerer",
    "samordnar",
    "styrkjer",
    "dokumenterer",
    "planlegg",
    "deler kompetanse om",
    "utviklar",
]
OBJECTS = [
    "skrøpelege eldre etter utskriving",
    "pasientar med kols heime",
    "overgangen mellom sjukehus og kommune",
    "digital heimeoppfølging",
    "kombinerte stillingar",
    "felles rutinar for legemiddelgjennomgang",
    "born og unge med psykiske plager",
    "rus- og psykiatripasientar i akutte fasar",
    "rekruttering av sjukepleiarar i distrikta",
    "tidleg innsats for gravide",
    "palliativ omsorg i heimen",
    "felles opplæring av tilsette",
]
TAILS = [
    "i heile opptaksområdet",
    "saman med brukarane",
    "etter ein felles plan",
    "med faste møte kvar månad",
    "slik at ingen pasientar fell mellom to stolar",
    "og måler effekten undervegs",
    "med støtte frå leiinga på nivå 2",
    "i tett dialog med fastlegane",
    "",
]
TOPICS = [
    "Felles ambulant team",
    "Digital heimeoppfølging",
    "Kombinerte stillingar",
    "Trygg utskriving",
    "Legemiddelgjennomgang i heimen",
    "Samhandling om psykisk helse",
    "Jordmor i kommunen",
    "Tidleg innsats for eldre",
    "Kompetanseløft i heimetenesta",
    "Palliativt team",
    "Akutt-team for rus og psykiatri",
    "Rekruttering av sjukepleiarar",
    "Læringsnettverk",
    "Velferdsteknologi",
    "Felles vaktordning",
]
FIRST_NAMES = [
    "Kari",
    "Ola",
    "Ingrid",
    "Per",
    "Sigrid",
    "Lars",
    "Marte",
    "Nils",
    "Astrid",
    "Jonas",
    "Hanne",
    "Eirik",
    "Solveig",
    "Magnus",
    "Liv",
    "Håkon",
]
LAST_NAMES = [
    "Nordmann",
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Berg",
    "Haugen",
    "Dahl",
    "Lie",
    "Moen",
    "Vik",
    "Solberg",
    "Strand",
    "Bakke",
    "Lunde",
]


class TextPool:
    """Sentences and texts of a given length, all from one seeded generator."""

    def __init__(self, rng: random.Random, size: int = 400) -> None:
        self.rng = rng
        self.sentences = [self._sentence() for _ in range(size)]

    def _sentence(self) -> str:
        rng = self.rng
        tail = rng.choice(TAILS)
        words = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS)]
        return " ".join(words + ([tail] if tail else [])) + "."

    def sentence(self) -> str:
        return self.rng.choice(self.sentences)

    def text(self, low: int, high: int) -> str:
        """A paragraph of between ``low`` and ``high`` characters (about)."""
        target = self.rng.randint(low, high)
        parts: list[str] = []
        length = 0
        while length < target:
            sentence = self.rng.choice(self.sentences)
            parts.append(sentence)
            length += len(sentence) + 1
        return " ".join(parts)

    def title(self, place: str) -> str:
        return f"{self.rng.choice(TOPICS)} i {place}"

    def person(self) -> tuple[str, str]:
        return self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
