"""The names the benchmark world is built with, and how the benchmarks find it again.

``bench_fill`` makes the world; ``bench_pages``, ``bench_load`` and ``bench_pdf`` look it up by
these names (rounds by name, people by e-mail address), so no file has to carry ids between
the commands and a page is always measured on what the database holds now.
"""

from __future__ import annotations

from dataclasses import dataclass

from django_scopes import scopes_disabled

from tilskot.models import Community, Round, Scheme, User

DOMAIN = "bench.test"  # reserved top-level domain: no mail can leave for it
PASSWORD = "benk-passord-2026"  # noqa: S105  (every bench account; bench data only)

# Rounds of the world, per community.
DECIDED = "Benk: avgjord {i}"  # closed, recommended, decided (the public list and exports)
REVIEW = "Benk: til vurdering"  # closed, open for review: the committee scores now
OPEN = "Benk: open"  # open, its deadline near: applicants write and submit now
LETTERS = "Benk: vedtaksbrev {stamp}"  # made by bench_pdf: a decided round of letters

# People of the world, per community (``<role>-<k>.<community>@bench.test``).
SECRETARIAT = "sekretariat"
COMMITTEE = "komite"
DECISION_BODY = "vedtak"
FINANCE = "okonomi"
APPLICANT = "soker"  # applicants of the filled applications; soker-1 writes the most
LOAD_APPLICANT = "last"  # applicants of the load test, each with drafts in the open round


def email(role: str, community: Community | str, k: int = 1) -> str:
    slug = community if isinstance(community, str) else community.slug
    return f"{role}-{k}.{slug}@{DOMAIN}"


@dataclass
class CommunityWorld:
    """One community of the filled world, as the benchmarks need it."""

    community: Community
    scheme: Scheme
    open_round: Round
    review_round: Round
    decided_rounds: list[Round]

    @property
    def slug(self) -> str:
        return self.community.slug

    def user(self, role: str, k: int = 1) -> User:
        return User.objects.get(email=email(role, self.community, k))


class WorldMissingError(LookupError):
    """The database holds no benchmark world; run ``bench_fill`` first."""


def find(slug: str) -> CommunityWorld:
    with scopes_disabled():
        community = Community.objects.filter(slug=slug).first()
        if community is None:
            raise WorldMissingError(f"No community {slug!r}: run bench_fill first.")
        rounds = {
            r.name: r
            for r in Round.objects.filter(
                scheme__community=community, name__startswith="Benk: "
            ).select_related("scheme__community")
        }
        if OPEN not in rounds or REVIEW not in rounds:
            raise WorldMissingError(f"{slug} has no benchmark rounds: run bench_fill first.")
        decided = sorted(
            (r for name, r in rounds.items() if name.startswith("Benk: avgjord")),
            key=lambda r: r.closes_at,
        )
        return CommunityWorld(
            community=community,
            scheme=rounds[OPEN].scheme,
            open_round=rounds[OPEN],
            review_round=rounds[REVIEW],
            decided_rounds=decided,
        )


def slugs() -> list[str]:
    """The communities of the world, in the order the fill made them."""
    with scopes_disabled():
        return list(
            Community.objects.filter(schemes__rounds__name=OPEN)
            .order_by("slug")
            .values_list("slug", flat=True)
            .distinct()
        )


def applications_filled() -> int:
    """N: the applications ``bench_fill`` was asked for (not the load test's drafts, nor the
    rounds ``bench_pdf`` adds)."""
    from soknad.models import Application

    with scopes_disabled():
        return (
            Application.objects.exclude(owner__email__startswith=f"{LOAD_APPLICANT}-")
            .exclude(round__name__startswith=LETTERS.split("{", 1)[0])
            .count()
        )


def sizes(w: CommunityWorld) -> dict[str, int]:
    """How much the measured pages of ``w`` have to show."""
    from komite.models import DecisionItem
    from soknad.models import Application

    status = Application.Status
    with scopes_disabled():
        in_review = Application.objects.filter(round=w.review_round)
        return {
            "review_round_applications": in_review.count(),
            "review_round_complete": in_review.filter(status=status.COMPLETE).count(),
            "review_round_in_table": in_review.exclude(status=status.DRAFT).count(),
            "applicant_applications": Application.objects.filter(
                round__scheme__community=w.community,
                owner__email=email(APPLICANT, w.community),
            ).count(),
            "granted_projects": DecisionItem.objects.filter(
                decision__round__scheme__community=w.community,
                decision__stage=len(w.community.decision_bodies),
                granted=True,
            ).count(),
        }
