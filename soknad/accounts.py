"""Accounts for applicants: registering with a confirmed e-mail address, and the profile a person
keeps in each community (the member organisations they work for). A forgotten password is reset
with Django's own views (``soknad/urls_accounts.py``), on our templates.

Registration creates an *inactive* user and e-mails a link signed with ``TimestampSigner`` over
the user's pk, valid for three days. The link works only for an account that has never been used:
not active and never logged in. Once confirmed, the same link says it has been used. Following
the link shows one button; the POST behind it confirms and logs in. Confirming on GET would let
mail scanners that open every link (such as Microsoft Safe Links) use it up first.

Services and selectors come first, then forms, then views (which parse input, call one service
and render).
"""

from __future__ import annotations

import datetime as dt
import enum
import logging

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import BaseUserCreationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpResponseBadRequest, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import FormView, TemplateView
from django_scopes import scope

from tilskot.models import Community, Organisation, User
from tilskot.roles import Role, roles_of
from tilskot.selectors import communities_list
from tilskot.services import role_grant

from . import rules
from .models import Affiliation

logger = logging.getLogger(__name__)

CONFIRM_SALT = "soknad.accounts.confirm-email"
CONFIRM_MAX_AGE = dt.timedelta(days=3)
# With two authentication backends configured, login() must be told which one vouches.
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- Services and selectors -------------------------------------------------------------------


class LinkProblem(enum.StrEnum):
    """Why a confirmation link cannot be used (the template explains each)."""

    EXPIRED = "expired"
    INVALID = "invalid"
    USED = "used"


class ConfirmationLinkError(Exception):
    """A confirmation link that cannot be used, and why (``problem``)."""

    def __init__(self, problem: LinkProblem) -> None:
        super().__init__(problem)
        self.problem = problem


def _awaits_confirmation(user: User) -> bool:
    return not user.is_active and user.last_login is None


def confirmation_token_make(*, user: User) -> str:
    """The signed, timestamped token in the confirmation link of ``user``."""
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(user.pk))


def confirmation_user_get(*, token: str) -> User:
    """The account awaiting confirmation that ``token`` names.

    Raises ``ConfirmationLinkError`` when the token is forged or mangled, older than
    ``CONFIRM_MAX_AGE``, or names an account that is already confirmed.
    """
    try:
        pk = signing.TimestampSigner(salt=CONFIRM_SALT).unsign(token, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise ConfirmationLinkError(LinkProblem.EXPIRED) from None
    except signing.BadSignature:
        raise ConfirmationLinkError(LinkProblem.INVALID) from None
    user = User.objects.filter(pk=pk).first()
    if user is None:
        raise ConfirmationLinkError(LinkProblem.INVALID)
    if not _awaits_confirmation(user):
        raise ConfirmationLinkError(LinkProblem.USED)
    return user


def confirmation_send(*, user: User, site_url: str, next_path: str = "") -> None:
    """E-mail ``user`` a link that confirms their address. ``site_url`` is the scheme and host
    the link starts with, e.g. ``https://tilskot.no``; ``next_path`` where confirming leads
    (the invitation they registered for), else the welcome page."""
    path = reverse("confirm_email", kwargs={"token": confirmation_token_make(user=user)})
    if next_path:
        path += "?" + urlencode({"next": next_path})
    context = {"user": user, "link": f"{site_url}{path}", "days": CONFIRM_MAX_AGE.days}
    subject = render_to_string("soknad/emails/confirm_email_subject.txt", context)
    body = render_to_string("soknad/emails/confirm_email.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])


def registration_answer(*, email: str, site_url: str, next_path: str = "") -> bool:
    """If ``email`` already has an account, tell its owner by e-mail (a new confirmation link
    while it awaits one, else how to log in or reset the password) and return True: the page
    answers the same either way."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        return False
    if _awaits_confirmation(user):
        confirmation_send(user=user, site_url=site_url, next_path=next_path)
        return True
    context = {
        "user": user,
        "login": f"{site_url}{reverse('login')}"
        + ("?" + urlencode({"next": next_path}) if next_path else ""),
        "reset": f"{site_url}{reverse('password_reset')}",
    }
    subject = render_to_string("soknad/emails/account_exists_subject.txt", context)
    body = render_to_string("soknad/emails/account_exists.txt", context)
    send_mail(" ".join(subject.split()), body, None, [user.email])
    return True


def user_register(
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    site_url: str,
    next_path: str = "",
) -> User:
    """Create an inactive account and e-mail the link that confirms it.

    The mail is sent after the account is saved; should it fail, the person asks for a new link
    (``confirmation_resend``).
    """
    with transaction.atomic():
        user = User(
            email=User.objects.normalize_email(email).lower(),
            first_name=first_name,
            last_name=last_name,
            is_active=False,
        )
        user.set_password(password)
        user.full_clean()
        user.save()
    logger.info("user %s registered", user.pk)
    confirmation_send(user=user, site_url=site_url, next_path=next_path)
    return user


def confirmation_resend(*, email: str, site_url: str) -> None:
    """Send a new confirmation link if ``email`` belongs to an account awaiting confirmation.

    Silent either way, so that the answer does not tell who has an account.
    """
    user = User.objects.filter(
        email__iexact=email.strip(), is_active=False, last_login__isnull=True
    ).first()
    if user is not None:
        confirmation_send(user=user, site_url=site_url)


@transaction.atomic
def user_confirm(*, token: str) -> User:
    """Activate the account ``token`` names. Raises ``ConfirmationLinkError`` (see
    ``confirmation_user_get``); of two confirmations at once, the second finds it used."""
    pk = confirmation_user_get(token=token).pk
    user = User.objects.select_for_update().get(pk=pk)
    if not _awaits_confirmation(user):
        raise ConfirmationLinkError(LinkProblem.USED)
    user.is_active = True
    user.save(update_fields=["is_active"])
    logger.info("user %s confirmed their e-mail address", user.pk)
    return user


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
        affiliation = Affiliation(user=user, organisation=organisation, job_title=job_title)
        affiliation.full_clean()
        affiliation.save()
        user.__dict__.pop(rules.AFFILIATED_CACHE, None)
        rules.parties_changed(user=user)  # working for a party may make them one
    if first_in_community:
        role_grant(user=user, community=community, role=Role.APPLICANT)
    logger.info("user %s added affiliation %s", user.pk, affiliation.pk)
    return affiliation


def affiliation_remove(*, affiliation: Affiliation) -> None:
    """Remove an affiliation. The person's roles stay as they are."""
    logger.info("user %s removed affiliation %s", affiliation.user_id, affiliation.pk)
    affiliation.delete()


# --- Forms ------------------------------------------------------------------------------------


class RegistrationForm(BaseUserCreationForm):
    """E-mail, name and password twice, checked by Django's password validators."""

    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")
        widgets = {
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The page starts with an explanation; a screen reader should start there too.
        self.fields["email"].widget.attrs.pop("autofocus", None)
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True

    def clean_email(self) -> str:
        return User.objects.normalize_email(self.cleaned_data["email"]).lower()

    def validate_unique(self) -> None:
        """Everything but the address: whether it has an account is never said on the page
        (that would tell anyone who has one); ``registration_answer`` says it by e-mail."""
        exclude = {*self._get_validation_exclusions(), "email"}
        try:
            self.instance.validate_unique(exclude=exclude)
        except forms.ValidationError as error:
            self._update_errors(error)


class NewLinkForm(forms.Form):
    email = forms.EmailField(
        label=_("e-mail address"), widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )


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


# --- Views ------------------------------------------------------------------------------------


def _site_url(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def safe_next(request) -> str:
    """The ``next`` the request carries (an invitation the person came from), if it is a
    path on this site; else ""."""
    value = request.POST.get("next") or request.GET.get("next") or ""
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


class RegisterView(FormView):
    """Registering; one who comes from an invitation (``?next=…&email=…``) has the invited
    address filled in and, once confirmed, lands on the invitation."""

    template_name = "registration/register.html"
    form_class = RegistrationForm

    def get_initial(self):
        return {**super().get_initial(), "email": self.request.GET.get("email", "")}

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=safe_next(self.request), **kwargs)

    def form_valid(self, form):
        site_url, next_path = _site_url(self.request), safe_next(self.request)
        email = form.cleaned_data["email"]
        if registration_answer(email=email, site_url=site_url, next_path=next_path):
            return redirect("register_done")
        user_register(
            email=email,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            password=form.cleaned_data["password1"],
            site_url=site_url,
            next_path=next_path,
        )
        return redirect("register_done")


class NewLinkView(FormView):
    template_name = "registration/new_link.html"
    form_class = NewLinkForm

    def form_valid(self, form):
        confirmation_resend(email=form.cleaned_data["email"], site_url=_site_url(self.request))
        return redirect("new_link_done")


class ConfirmEmailView(View):
    """GET shows the button; POST confirms, logs in and goes on to ``confirm_done``."""

    template_name = "registration/confirm.html"

    def get(self, request, token: str):
        try:
            confirmation_user_get(token=token)
        except ConfirmationLinkError as error:
            return self.problem(error.problem)
        return render(request, self.template_name, {})

    def post(self, request, token: str):
        try:
            user = user_confirm(token=token)
        except ConfirmationLinkError as error:
            return self.problem(error.problem)
        login(request, user, backend=LOGIN_BACKEND)
        return redirect(safe_next(request) or "confirm_done")

    def problem(self, problem: LinkProblem):
        return render(self.request, self.template_name, {"problem": problem.value})


class ConfirmDoneView(LoginRequiredMixin, TemplateView):
    template_name = "registration/confirm_done.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(communities=communities_list(), **kwargs)


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
        messages.success(self.request, _("Your name is saved."))
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
            _("%(organisation)s is added to your profile.")
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
            _("%(organisation)s is removed from your profile.") % {"organisation": organisation},
        )
        return self.reload()

    def reload(self) -> HttpResponseRedirect:
        return redirect("profile", community=self.request.community.slug)

    def render_page(self, *, name_form: NameForm, add_form: AffiliationForm):
        community = self.request.community
        held = roles_of(self.request.user, community)
        return render(
            self.request,
            self.template_name,
            {
                "name_form": name_form,
                "add_form": add_form,
                "affiliations": affiliations_list(user=self.request.user),
                "roles": [role for role in Role if role in held],
            },
        )
