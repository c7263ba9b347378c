"""The tenant model: the rules of each community (``rules``), the notifications sent to its
people (``notifications``), and the invitations to its roles with the log of who holds which
(``people``)."""

from .notifications import Notification, NotificationPreference
from .people import RoleChange, RoleInvitation
from .rules import (
    MONEY,
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    CommunityRoleGroup,
    Criterion,
    Organisation,
    PriorityArea,
    ReportQuestion,
    Round,
    RoundQuerySet,
    Scheme,
    SchemeFunding,
    User,
    UserManager,
)

__all__ = [
    "MONEY",
    "ApplicationQuestion",
    "CommitteeSeat",
    "Community",
    "CommunityRoleGroup",
    "Criterion",
    "Notification",
    "NotificationPreference",
    "Organisation",
    "PriorityArea",
    "ReportQuestion",
    "RoleChange",
    "RoleInvitation",
    "Round",
    "RoundQuerySet",
    "Scheme",
    "SchemeFunding",
    "User",
    "UserManager",
]
