"""Writes to the tenant model. Views and other apps call these; they never touch groups or
permissions themselves.

Every change of who holds one of the community's own roles (secretariat, committee, decision
body, finance) is logged as a ``RoleChange`` (who, whose, which role, when), and so is every
invitation sent or withdrawn; the secretariat reads the log on its people page."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from guardian.shortcuts import assign_perm

from .messaging import notify
from .models import (
    Community,
    CommunityRoleGroup,
    Notification,
    NotificationPreference,
    RoleChange,
    RoleInvitation,
    User,
)
from .models.notifications import OPTIONAL_KINDS
from .models.people import INVITATION_VALID, STAFF_ROLE_CHOICES
from .roles import ADMIN_PERMISSIONS, STAFF_ROLES, Role, forget_roles, has_role


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


def _role_group(community: Community, role: Role) -> Group | None:
    with scopes_disabled():
        link = CommunityRoleGroup.objects.filter(community=community, role=role).first()
    return link.group if link is not None else None


def _log(
    *,
    community: Community,
    role: Role,
    action: str,
    email: str,
    user: User | None = None,
    by: User | None = None,
    invitation: RoleInvitation | None = None,
) -> RoleChange:
    change = RoleChange(
        community=community,
        role=role,
        action=action,
        user=user,
        email=email,
        by=by,
        invitation=invitation,
    )
    change.save()  # not through the scoped manager: roles also change outside a request
    return change


@transaction.atomic
def role_grant(
    *,
    user: User,
    community: Community,
    role: Role,
    by: User | None = None,
    invitation: RoleInvitation | None = None,
) -> None:
    """Give ``user`` the ``role`` in ``community`` (and nowhere else). A staff role given is
    logged, with who gave it (``by``; none when Tilskot did) and the ``invitation`` accepted."""
    group = community_role_groups_ensure(community=community)[role]
    new = role in STAFF_ROLES and not group.user_set.filter(pk=user.pk).exists()
    user.groups.add(group)
    forget_roles(user)
    if role in ADMIN_PERMISSIONS and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    if new:
        _log(
            community=community,
            role=role,
            action=RoleChange.Action.GRANTED,
            user=user,
            email=user.email,
            by=by,
            invitation=invitation,
        )


def _last_secretariat_refused(*, user: User, community: Community, group: Group, by) -> None:
    """A community always keeps someone to run it: the secretariat's last active member keeps
    the role (the row lock makes two members who revoke each other at once wait in turn)."""
    list(Community.objects.select_for_update().filter(pk=community.pk))
    if not group.user_set.filter(is_active=True).exclude(pk=user.pk).exists():
        if by is not None and by.pk == user.pk:
            raise ValidationError(
                _(
                    "You are the last member of the secretariat of %(community)s and cannot "
                    "give up the role: invite someone else to the secretariat first."
                )
                % {"community": community.name}
            )
        raise ValidationError(
            _(
                "%(person)s is the last member of the secretariat of %(community)s: invite "
                "someone else to the secretariat before you revoke the role."
            )
            % {"person": user, "community": community.name}
        )


@transaction.atomic
def role_revoke(*, user: User, community: Community, role: Role, by: User | None = None) -> bool:
    """Take ``role`` in ``community`` away from ``user``; False if they did not hold it.

    ``by``, when given, is the secretariat member who does it (anyone else is refused); the
    revocation is logged. The secretariat's last active member is never revoked, not even by
    themselves (``ValidationError``)."""
    if by is not None and not has_role(by, community, Role.SECRETARIAT):
        raise PermissionDenied
    group = _role_group(community, role)
    if group is None or not group.user_set.filter(pk=user.pk).exists():
        return False
    if role == Role.SECRETARIAT:
        _last_secretariat_refused(user=user, community=community, group=group, by=by)
    user.groups.remove(group)
    forget_roles(user)
    if role in STAFF_ROLES:
        _log(
            community=community,
            role=role,
            action=RoleChange.Action.REVOKED,
            user=user,
            email=user.email,
            by=by,
        )
    return True


# --- invitations to the community's roles -------------------------------------------------------


def _require_secretariat(user: User, community: Community) -> None:
    if not has_role(user, community, Role.SECRETARIAT):
        raise PermissionDenied


def _staff_role(role: str) -> Role:
    if role not in STAFF_ROLES:
        raise ValidationError(
            _("Choose one of the roles: %(roles)s.")
            % {"roles": ", ".join(str(label) for _value, label in STAFF_ROLE_CHOICES)}
        )
    return Role(role)


def _date(moment) -> str:
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@transaction.atomic
def role_invite(*, community: Community, role: str, email: str, by: User) -> RoleInvitation:
    """Invite ``email`` to hold ``role`` in ``community`` and send the link, in the community's
    language, to the address (an account, if the address has one, also sees it among its
    notifications). Call inside the community's scope."""
    _require_secretariat(by, community)
    role = _staff_role(role)
    email = email.strip().lower()
    validate_email(email)
    group = _role_group(community, role)
    holder = group.user_set.filter(email=email).first() if group is not None else None
    if holder is not None:
        raise ValidationError(
            _("%(person)s (%(email)s) already holds the role %(role)s here.")
            % {"person": holder, "email": email, "role": role.label}
        )
    now = timezone.now()
    waiting = RoleInvitation.objects.filter(
        community=community,
        role=role,
        email=email,
        accepted_at__isnull=True,
        withdrawn_at__isnull=True,
        expires_at__gt=now,
    ).first()
    if waiting is not None:
        raise ValidationError(
            _(
                "An invitation to %(email)s to the role %(role)s is already waiting (sent "
                "%(sent)s). Withdraw it first if you want to send a new one."
            )
            % {"email": email, "role": role.label, "sent": _date(waiting.created_at)}
        )
    invitation = RoleInvitation(
        community=community,
        role=role,
        email=email,
        invited_by=by,
        created_at=now,
        expires_at=now + INVITATION_VALID,
    )
    invitation.full_clean()
    invitation.save()
    account = User.objects.filter(email=email, is_active=True).first()
    _log(
        community=community,
        role=role,
        action=RoleChange.Action.INVITED,
        user=account,
        email=email,
        by=by,
        invitation=invitation,
    )
    notify(
        community=community,
        kind=Notification.Kind.ROLE_INVITATION,
        key=f"role-invitation:{invitation.pk}",
        recipients=[account or email],
        template="tilskot/emails/role_invitation",
        context={"invitation": invitation, "by": by},
        url=reverse(
            "role_invitation",
            kwargs={"community": community.slug, "role_token": invitation.token},
        ),
    )
    return invitation


def _locked(invitation: RoleInvitation) -> RoleInvitation:
    return (
        RoleInvitation.objects.select_for_update().select_related("community").get(pk=invitation.pk)
    )


@transaction.atomic
def role_invitation_withdraw(*, invitation: RoleInvitation, by: User) -> RoleInvitation:
    """The secretariat takes back an invitation not yet accepted: its link stops working."""
    _require_secretariat(by, invitation.community)
    invitation = _locked(invitation)
    state = invitation.state()
    if state == RoleInvitation.State.ACCEPTED:
        raise ValidationError(
            _(
                "%(email)s has already accepted the invitation. To take the role away, revoke "
                "it in the table of who holds which role."
            )
            % {"email": invitation.email}
        )
    if state == RoleInvitation.State.WITHDRAWN:
        raise ValidationError(_("The invitation is already withdrawn."))
    invitation.withdrawn_by = by
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["withdrawn_by", "withdrawn_at"])
    _log(
        community=invitation.community,
        role=Role(invitation.role),
        action=RoleChange.Action.WITHDRAWN,
        email=invitation.email,
        by=by,
        invitation=invitation,
    )
    return invitation


@transaction.atomic
def role_invitation_accept(*, invitation: RoleInvitation, user: User) -> RoleInvitation:
    """The person logged in with the invitation's link takes the role it offers.

    Whoever holds the link and is logged in (by any method Tilskot offers, whose address may
    differ from the one invited) may accept it, once: the page shows them the invited address
    and who invited, and the secretariat sees in its log who accepted. The link works until it
    expires or is withdrawn."""
    invitation = _locked(invitation)
    state = invitation.state()
    if state == RoleInvitation.State.ACCEPTED:
        if invitation.accepted_by_id == user.pk:
            raise ValidationError(_("You have already accepted this invitation."))
        raise ValidationError(
            _("This invitation has already been used. Ask the secretariat for a new one.")
        )
    if state == RoleInvitation.State.WITHDRAWN:
        raise ValidationError(
            _("The secretariat has withdrawn this invitation. Ask them for a new one.")
        )
    if state == RoleInvitation.State.EXPIRED:
        raise ValidationError(
            _("This invitation expired %(date)s. Ask the secretariat for a new one.")
            % {"date": _date(invitation.expires_at)}
        )
    if not user.is_active:
        raise PermissionDenied
    invitation.accepted_by = user
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    role_grant(
        user=user,
        community=invitation.community,
        role=Role(invitation.role),
        by=user,
        invitation=invitation,
    )
    return invitation


def notification_preferences_set(*, user: User, enabled: dict[str, bool]) -> None:
    """Turn optional kinds of notification on or off for ``user`` (legal notices stay on)."""
    for kind, on in enabled.items():
        if kind not in OPTIONAL_KINDS:
            raise ValueError(f"{kind} cannot be turned off")
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"enabled": on}
        )
