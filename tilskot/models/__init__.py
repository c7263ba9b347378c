"""The tenant model: the rules of each community (``rules``) and the notifications sent to its
people (``notifications``)."""

from .notifications import Notification, NotificationPreference
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
    "Round",
    "RoundQuerySet",
    "Scheme",
    "SchemeFunding",
    "User",
    "UserManager",
]
