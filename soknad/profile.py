"""The profile a person keeps in each community (/<community>/profil/): their name, their roles,
and the member organisations they work for.

Services and selectors come first, then forms, then the view (which parses input, calls one
service and renders).
"""

from __future__ import annotations

import logging

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django_scopes import scope

from tilskot.models import Community, Organisation, User
from tilskot.roles import Role, roles_of
from tilskot.services import role_grant

from . import representation, rules
from .models import Affiliation

logger = logging.getLogger(__name__)


# --- Services and selectors -------------------------------------------------------------------


def user_name_change(*, user: User, first_name: str, last_name: str) -> User:
    """Change the name ``user`` is shown by."""
    user.first_name = first_name
    user.last_name = last_name
    user.full_clean(exclude=["password"])
    user.save(update_fields=["first_name", "last_name"])
    return user


def affiliations_list(*, user: User) -> QuerySet[Affiliation]:
    """The organisations ``user`` works for in the active community (call inside its scope)."""
    return Affiliation.objects.filter(user=user).select_related("organisation")


@transaction.atomic
def affiliation_add(*, user: User, organisation: Organisation, job_title: str = "") -> Affiliation:
    """Record that ``user`` works for ``organisation``.

    The first organisation a person adds in a community makes them an applicant there (and only
    there). Removing it later keeps the role: they may have applications under way.
    """
    community: Community = organisation.community
    with scope(community=community):
        first_in_community = not Affiliation.objects.filter(user=user).exists()
        # Unverified until an admin of the organisation, the secretariat or the identity
        # provider confirms it (soknad/representation.py).
        affiliation = Affiliation(user=user, organisation=organisation, job_title=job_title)
        affiliation.full_clean()
        affiliation._history_user = user
        affiliation._change_reason = "claimed by the person"
        affiliation.save()
        user.__dict__.pop(rules.AFFILIATED_CACHE, None)
        rules.parties_changed(user=user)  # working for a party may make them one
    if first_in_community:
        role_grant(user=user, community=community, role=Role.APPLICANT)
    logger.info("user %s added affiliation %s", user.pk, affiliation.pk)
    return affiliation


def affiliation_remove(*, affiliation: Affiliation) -> None:
    """The person removes their own affiliation (the history keeps it). Their roles stay as
    they are."""
    logger.info("user %s removed affiliation %s", affiliation.user_id, affiliation.pk)
    affiliation._history_user = affiliation.user
    affiliation._change_reason = "removed by the person"
    affiliation.user.__dict__.pop(rules.AFFILIATED_CACHE, None)
    affiliation.delete()


# --- Forms ---------------------------------------------------------------------------------------


class NameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("first_name", "last_name")
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True


class AffiliationForm(forms.Form):
    """Choose one of the active community's organisations (those the person does not already
    work for); the request's tenant scope limits the choice to that community."""

    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        empty_label=_("Choose an organisation"),
    )
    job_title = forms.CharField(
        label=_("Job title"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "organization-title"}),
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.exclude(
            affiliations__user=user
        ).order_by("name")


# --- Views ---------------------------------------------------------------------------------------


class ProfileView(LoginRequiredMixin, View):
    """/<community>/profil/: the person's name, roles and organisations in this community.

    Each form on the page posts here with a hidden ``action``: ``name``, ``add`` or ``remove``.
    """

    template_name = "soknad/profile.html"

    def get(self, request, **kwargs):
        return self.render_page(
            name_form=NameForm(instance=request.user, prefix="name"),
            add_form=AffiliationForm(user=request.user, prefix="add"),
        )

    def post(self, request, **kwargs):
        action = request.POST.get("action")
        if action == "name":
            return self.change_name()
        if action == "add":
            return self.add()
        if action == "remove":
            return self.remove()
        return HttpResponseBadRequest()

    def change_name(self):
        form = NameForm(self.request.POST, instance=self.request.user, prefix="name")
        if not form.is_valid():
            self.request.user.refresh_from_db(fields=["first_name", "last_name"])
            return self.render_page(
                name_form=form, add_form=AffiliationForm(user=self.request.user, prefix="add")
            )
        user_name_change(
            user=self.request.user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
        )
        messages.success(self.request, gettext("Your name is saved."))
        return self.reload()

    def add(self):
        form = AffiliationForm(self.request.POST, user=self.request.user, prefix="add")
        if not form.is_valid():
            return self.render_page(
                name_form=NameForm(instance=self.request.user, prefix="name"), add_form=form
            )
        affiliation = affiliation_add(
            user=self.request.user,
            organisation=form.cleaned_data["organisation"],
            job_title=form.cleaned_data["job_title"],
        )
        messages.success(
            self.request,
            gettext("%(organisation)s is added to your profile.")
            % {"organisation": affiliation.organisation},
        )
        return self.reload()

    def remove(self):
        pk = self.request.POST.get("affiliation", "")
        if not pk.isdigit():
            return HttpResponseBadRequest()
        affiliation = get_object_or_404(affiliations_list(user=self.request.user), pk=pk)
        organisation = affiliation.organisation
        affiliation_remove(affiliation=affiliation)
        messages.success(
            self.request,
            gettext("%(organisation)s is removed from your profile.")
            % {"organisation": organisation},
        )
        return self.reload()

    def reload(self) -> HttpResponseRedirect:
        return redirect("profile", community=self.request.community.slug)

    def render_page(self, *, name_form: NameForm, add_form: AffiliationForm):
        community = self.request.community
        held = roles_of(self.request.user, community)
        affiliations = affiliations_list(user=self.request.user)
        admins = representation.confirmers([a for a in affiliations if not a.is_confirmed])
        return render(
            self.request,
            self.template_name,
            {
                "name_form": name_form,
                "add_form": add_form,
                "affiliations": affiliations,
                # Each with who can confirm it while it is not confirmed: the organisation's
                # admins (and always the secretariat, the template says).
                "affiliation_rows": [
                    (a, [u for u in admins.get(a.organisation_id, []) if u.pk != a.user_id])
                    for a in affiliations
                ],
                "roles": [role for role in Role if role in held],
            },
        )
