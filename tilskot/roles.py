"""Roles a person can hold in a community, and the predicates that check them.

A role is always *per community*: someone can be an applicant in Østfold and a committee member in
Bergen. Each (community, role) pair has one Django group; the group holds a django-guardian object
permission ``tilskot.role_<role>`` on the community. Checking a role is therefore
``user.has_perm("tilskot.role_secretariat", community)``, and this module is the one place that
spells it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.core import ObjectPermissionChecker


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    SECRETARIAT = "secretariat", _("Secretariat")
    COMMITTEE = "committee", _("Committee member")
    DECISION_BODY = "decision_body", _("Decision-body member")
    FINANCE = "finance", _("Finance")

    @property
    def codename(self) -> str:
        return f"role_{self.value}"

    @property
    def permission(self) -> str:
        return f"tilskot.{self.codename}"


# The roles that act for the community: they need a strong log-in (tilskot/identity.py).
STAFF_ROLES = frozenset({Role.SECRETARIAT, Role.COMMITTEE, Role.DECISION_BODY, Role.FINANCE})


# Global (model-level) permissions each role's group holds, so that the Django admin lets the
# secretariat edit its community's rules. Which *rows* they see is decided by the tenant scope.
RULE_MODELS = (
    "community",
    "organisation",
    "scheme",
    "round",
    "criterion",
    "priorityarea",
    "applicationquestion",
    "committeeseat",
    "schemefunding",
)
ADMIN_PERMISSIONS: dict[Role, tuple[str, ...]] = {
    Role.SECRETARIAT: tuple(
        f"{action}_{model}"
        for model in RULE_MODELS
        for action in ("view", "change", "add", "delete")
        # A community cannot create or delete communities, only edit its own.
        if not (model == "community" and action in ("add", "delete"))
    ),
}


CHECKER = "_tilskot_permission_checker"


def object_permissions(user, obj) -> set[str]:
    """The user's object permissions (codenames) on ``obj`` — a community, an application —
    looked up once per user object and object (so once per request): guardian's checker caches
    them. ``forget_roles`` clears them after a change."""
    checker = user.__dict__.get(CHECKER)
    if checker is None:
        checker = user.__dict__[CHECKER] = ObjectPermissionChecker(user)
    return set(checker.get_perms(obj))


def _codenames(user, community) -> set[str]:
    return object_permissions(user, community)


def forget_roles(user) -> None:
    user.__dict__.pop(CHECKER, None)


def has_role(user, community, role: Role) -> bool:
    """Whether ``user`` holds ``role`` in ``community``."""
    return role in roles_of(user, community)


def roles_of(user, community) -> set[Role]:
    """Every role ``user`` holds in ``community``."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return set(Role)
    codenames = _codenames(user, community)
    return {role for role in Role if role.codename in codenames}
