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
from tilskot.roles import Role, has_role


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


# --- who may do what with a grant's money -----------------------------------------------------


def is_recipient(user, grant) -> bool:
    """The grant's responsible applicant or an accepted co-applicant."""
    from soknad.rules import is_applicant_of

    return is_applicant_of(user, grant.application)


def signing_refusal(user, grant) -> str:
    """Why ``user`` may not bind the grant's responsible organisation (accept the conditions,
    register an invoice for it), or "" if they may (``soknad.rules.signing_for``)."""
    from soknad.rules import signing_for

    application = grant.application
    if application.responsible_organisation is None:
        return ""
    return signing_for(user, application.responsible_organisation, application.round.scheme).reason


def is_secretariat(user, grant) -> bool:
    return has_role(user, grant.application.community, Role.SECRETARIAT)


def is_finance(user, grant) -> bool:
    return has_role(user, grant.application.community, Role.FINANCE)


def can_see_grant(user, grant) -> bool:
    return is_recipient(user, grant) or is_secretariat(user, grant) or is_finance(user, grant)


def can_register_payment(user, grant) -> bool:
    """The recipient registers invoices; the secretariat registers for them, and finance
    registers internal bookings."""
    return is_recipient(user, grant) or is_secretariat(user, grant) or is_finance(user, grant)


def can_see_finance_table(user, community) -> bool:
    return has_role(user, community, Role.FINANCE) or has_role(user, community, Role.SECRETARIAT)


def marking_ok(marking: str, project_number: str) -> bool:
    """The invoice is marked with the project number, however it is spaced or cased."""
    if not project_number:
        return True

    def norm(text: str) -> str:
        return "".join(ch for ch in text.upper() if ch.isalnum())

    return norm(project_number) in norm(marking)


def letter_context(application) -> dict:
    """What a decision letter says of the payment (``komite.letters.register_letter_context``)."""
    return {"route": payment_route(application)}
