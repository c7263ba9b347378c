"""The community's own people: invitations by e-mail to its roles, and the log of every change of
who holds which role (``RoleChange``), which the secretariat reads on its people page.

Who holds a role right now is not stored here: it is membership of the role's group
(``tilskot.roles``). These rows say how it came to be so, and since when.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager
from simple_history.models import HistoricalRecords

from ..roles import STAFF_ROLES, Role
from .rules import Community

# The roles the secretariat invites to, in ``Role``'s order. The applicant role is everyone's
# who applies: it comes with starting an application, never by invitation.
STAFF_ROLE_CHOICES = [(role.value, role.label) for role in Role if role in STAFF_ROLES]

# How long an invitation's link works. It gives staff access to applications, so a link that
# lies forgotten in a mailbox should not work for ever; the secretariat can send a new one.
INVITATION_VALID = dt.timedelta(days=14)


def invitation_expiry() -> dt.datetime:
    return timezone.now() + INVITATION_VALID


class RoleInvitation(models.Model):
    """An invitation by e-mail to hold a role in the community. Its link (the token is the
    secret) works once, until it expires or the secretariat withdraws it."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        ACCEPTED = "accepted", _("Accepted")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        EXPIRED = "expired", _("Expired")

    community = models.ForeignKey(
        Community, on_delete=models.CASCADE, related_name="role_invitations"
    )
    role = models.CharField(_("role"), max_length=20, choices=STAFF_ROLE_CHOICES)
    email = models.EmailField(_("e-mail address"))
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"), default=invitation_expiry)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = ScopedManager(community="community")

    class Meta:
        verbose_name = _("invitation to a role")
        verbose_name_plural = _("invitations to a role")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(withdrawn_at__isnull=True),
                name="role_invitation_accepted_or_withdrawn",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email}: {self.get_role_display()}"

    def state(self, now: dt.datetime | None = None) -> str:
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.withdrawn_at is not None:
            return self.State.WITHDRAWN
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def expired(self) -> bool:
        return self.state() == self.State.EXPIRED


class RoleChange(models.Model):
    """One line of the community's log of its people: an invitation sent or withdrawn, a role
    granted or revoked — by whom, to whom, when. Written by the services, never edited.

    A log of its own rather than the history of a model: a role is membership of a Django
    group, a many-to-many row of the user that simple-history does not record, and the
    secretariat reads this log on its page, in its words, not in the admin."""

    class Action(models.TextChoices):
        INVITED = "invited", _("Invited")
        WITHDRAWN = "withdrawn", _("Invitation withdrawn")
        GRANTED = "granted", _("Role given")
        REVOKED = "revoked", _("Role revoked")

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="role_changes")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    action = models.CharField(_("change"), max_length=10, choices=Action.choices)
    # Whose role: the person (none yet for an invitation to an address without an account),
    # and the address as it was, so the line reads the same if the address changes later.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(_("e-mail address"))
    # Who made the change; none when Tilskot itself did (a person who starts an application).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invitation = models.ForeignKey(
        RoleInvitation, on_delete=models.PROTECT, null=True, blank=True, related_name="changes"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)

    objects = ScopedManager(community="community")

    class Meta:
        verbose_name = _("change of role")
        verbose_name_plural = _("changes of role")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.email} ({self.get_role_display()})"
