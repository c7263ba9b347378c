"""The accessibility statement (/tilgjengelighet/), in the structure of Uutilsynet's statements
(uustatus.no): which requirements apply, how far Tilskot meets them, what does not work yet and
whom it affects, how to tell us, and where to complain.

What is true of Tilskot itself (the known deviations below) is code: remove a deviation in the
change that fixes it. What differs between deployments (the organisation responsible, its
contact, the date the statement was last reviewed) comes from settings (README, "Configuration").
"""

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import Community

# The minimum requirements of the regulation for public bodies: WCAG 2.1 A and AA, as counted
# in every statement published on uustatus.no.
REQUIREMENTS = 47

# Who a breach affects, in the categories of Uutilsynet's statements.
WITHOUT_VISION = _("Use without vision")
LIMITED_VISION = _("Use with limited vision")
LIMITED_MOBILITY = _("Use with limited mobility or strength")


@dataclass(frozen=True)
class Deviation:
    """A WCAG 2.1 success criterion Tilskot does not meet yet, where, and whom it affects."""

    criterion: str
    name: Promise
    what: Promise
    affects: tuple[Promise, ...]


# Issue 13 fixed the five known before (the menu and wide tables on a phone, 1.4.10; borders and
# focus at 1.3:1, 1.4.11; the overview's scroll area out of the keyboard's reach, 2.1.1; focus
# lost after a score was saved, 2.4.3): tests/browser/test_design_browser.py measures each.
DEVIATIONS: tuple[Deviation, ...] = ()


@dataclass
class Statement:
    organisation: str
    organisation_number: str
    contact_email: str
    reviewed: dt.date
    site_url: str
    deviations: tuple[Deviation, ...]
    # Communities with a contact address: where feedback also goes, and without a deployment
    # contact the only place.
    communities: list[Community] = field(default_factory=list)

    @property
    def breaches(self) -> int:
        """How many of the requirements are broken (a criterion counts once)."""
        return len({deviation.criterion for deviation in self.deviations})

    @property
    def requirements(self) -> int:
        return REQUIREMENTS

    @property
    def affected(self) -> list[Promise]:
        """Whom the breaches affect, each once, in the order first named."""
        return list(dict.fromkeys(a for deviation in self.deviations for a in deviation.affects))


def statement() -> Statement:
    return Statement(
        organisation=settings.ACCESSIBILITY_ORGANISATION,
        organisation_number=settings.ACCESSIBILITY_ORGANISATION_NUMBER,
        contact_email=settings.ACCESSIBILITY_CONTACT_EMAIL,
        reviewed=settings.ACCESSIBILITY_STATEMENT_DATE,
        site_url=settings.SITE_URL,
        deviations=DEVIATIONS,
        communities=list(Community.objects.exclude(contact_email="").order_by("name")),
    )
