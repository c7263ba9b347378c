"""Writes to the tenant model. Views and other apps call these; they never touch groups or
permissions themselves."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django_scopes import scopes_disabled
from guardian.shortcuts import assign_perm

from .models import Community, CommunityRoleGroup, NotificationPreference, User
from .models.notifications import OPTIONAL_KINDS
from .roles import ADMIN_PERMISSIONS, Role, forget_roles


@transaction.atomic
def community_role_groups_ensure(*, community: Community) -> dict[Role, Group]:
    """Create (or repair) the group for each role in ``community``. Idempotent."""
    groups: dict[Role, Group] = {}
    with scopes_disabled():
        for role in Role:
            link = CommunityRoleGroup.objects.filter(community=community, role=role).first()
            if link is None:
                group, _ = Group.objects.get_or_create(name=f"{community.slug}: {role.label}")
                link = CommunityRoleGroup.objects.create(
                    community=community, role=role, group=group
                )
            assign_perm(role.permission, link.group, community)
            codenames = ADMIN_PERMISSIONS.get(role, ())
            if codenames:
                link.group.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label="tilskot", codename__in=codenames
                    )
                )
            groups[role] = link.group
    return groups


@transaction.atomic
def role_grant(*, user: User, community: Community, role: Role) -> None:
    """Give ``user`` the ``role`` in ``community`` (and nowhere else)."""
    group = community_role_groups_ensure(community=community)[role]
    user.groups.add(group)
    forget_roles(user)
    if role in ADMIN_PERMISSIONS and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])


@transaction.atomic
def role_revoke(*, user: User, community: Community, role: Role) -> None:
    with scopes_disabled():
        link = CommunityRoleGroup.objects.filter(community=community, role=role).first()
    if link is not None:
        user.groups.remove(link.group)
        forget_roles(user)


def notification_preferences_set(*, user: User, enabled: dict[str, bool]) -> None:
    """Turn optional kinds of notification on or off for ``user`` (legal notices stay on)."""
    for kind, on in enabled.items():
        if kind not in OPTIONAL_KINDS:
            raise ValueError(f"{kind} cannot be turned off")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"enabled": on}
        )
