"""How a grant's money reaches the recipient: one rule, read from the community's data.

Bergen (kriterium og modell, 4.4): when the responsible applicant is a unit of Helse Bergen,
costs are booked on project number R-11326; otherwise the grant is paid against invoices marked
R-11326. Another community sets its own project number, or none, and whether internal booking
applies (``Community.payment_project_number`` and ``Community.internal_booking``).
"""

from __future__ import annotations

from dataclasses import dataclass

from soknad.models import Application
from tilskot.models import Organisation


@dataclass(frozen=True)
class PaymentRoute:
    internal: bool
    project_number: str


def payment_route(application: Application) -> PaymentRoute:
    community = application.community
    organisation = application.responsible_organisation
    internal = (
        community.internal_booking
        and organisation is not None
        and organisation.kind in (Organisation.Kind.HOSPITAL_TRUST, Organisation.Kind.HOSPITAL_UNIT)
    )
    return PaymentRoute(internal=internal, project_number=community.payment_project_number)
