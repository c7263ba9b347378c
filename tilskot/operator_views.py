"""The platform operator's pages (superusers, outside every community): the communities, and a
new community (``/drift/``, ``/drift/ny/``); and the import of a community's member
organisations from a CSV file (``/<community>/regler/medlemmer/import/``), which the operator
uses when onboarding and the community's secretariat later.

Onboarding runs: new community → import its members → invite the first secretariat person (the
people page, with the secretariat role chosen). The writes are ``tilskot.onboarding``'s, the same
the reference loader uses."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView

from . import identity
from .forms import error_list
from .member_import import (
    ImportPlan,
    OrganisationRow,
    RowError,
    csv_text,
    organisations_import,
    organisations_parse_csv,
    organisations_plan,
)
from .models import Community, CommunityRoleGroup
from .onboarding import community_create
from .roles import Role
from .validators import validate_org_number
from .views import CommunityPageView, CommunityRoleRequiredMixin

MAX_UPLOAD = 512 * 1024  # a member list of a few hundred rows is a few kilobytes
SESSION_KEY = "organisations_import"


class OperatorRequiredMixin(AccessMixin):
    """The platform operator is a superuser, with a strong log-in where staff need one.
    Logged out: to the log-in page; logged in as anyone else: 403."""

    def dispatch(self, request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return self.handle_no_permission()
        if not (user.is_active and user.is_superuser):
            raise PermissionDenied
        if settings.STAFF_STRONG_LOGIN_REQUIRED and not identity.strong_login(request):
            return identity.redirect_to_strong_login(request)
        return super().dispatch(request, *args, **kwargs)


def summary_errors(form: forms.Form) -> list[tuple[str, str]]:
    """``error_list``, with a radio button group's link on its first button."""
    radios = {field.auto_id for field in form if isinstance(field.field.widget, forms.RadioSelect)}
    return [
        (f"{anchor}_0" if anchor in radios else anchor, message)
        for anchor, message in error_list(form)
    ]


# --- the operator's page ------------------------------------------------------------------------


class OperatorView(OperatorRequiredMixin, TemplateView):
    """Every community with its members and secretariat, and the way to a new one."""

    template_name = "tilskot/operator/index.html"

    def get_context_data(self, **kwargs):
        communities = Community.objects.annotate(
            member_count=Count("organisations", distinct=True),
            secretariat_count=Count(
                "role_groups__group__user",
                filter=Q(role_groups__role=Role.SECRETARIAT),
                distinct=True,
            ),
        ).order_by("name")
        return super().get_context_data(communities=communities, **kwargs)


# --- a new community ----------------------------------------------------------------------------

PAYMENT_ROUTES = [
    ("invoices", gettext_lazy("Paid against invoices")),
    ("internal", gettext_lazy("The hospital trust's units book internally")),
]
YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


class CommunityCreateForm(forms.ModelForm):
    """The community's own fields (with the model's labels, help and checks) and what
    ``community_create`` makes with it: the hospital trust, its units, the first scheme."""

    payment_route = forms.ChoiceField(
        label=gettext_lazy("Payment route"),
        choices=PAYMENT_ROUTES,
        initial="invoices",
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "How a grant to one of the hospital trust's own units is paid. Everyone else "
            "always invoices, marked with the project number."
        ),
    )
    hospital_trust_name = forms.CharField(
        label=gettext_lazy("Name of the hospital trust"),
        max_length=200,
        help_text=gettext_lazy("E.g. “Helse Bergen HF”."),
    )
    hospital_trust_org_number = forms.CharField(
        label=gettext_lazy("Organisation number of the hospital trust"),
        max_length=11,
        help_text=gettext_lazy("Nine digits, e.g. 983 974 724."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    units = forms.CharField(
        label=gettext_lazy("Units of the hospital trust"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "One unit a line, e.g. “Psykisk helsevern”. Applicants can name them as parties."
        ),
    )
    scheme_name = forms.CharField(
        label=gettext_lazy("Name of the grant scheme"),
        max_length=200,
        help_text=gettext_lazy("E.g. “Rekrutterings- og samhandlingstilskudd”."),
    )
    # Typed with spaces or without (983 974 724): checked once the spaces are gone.
    org_number = forms.CharField(
        label=capfirst(Community._meta.get_field("org_number").verbose_name),
        help_text=Community._meta.get_field("org_number").help_text,
        max_length=11,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    national_priorities = forms.ChoiceField(
        label=gettext_lazy("The national priority areas"),
        choices=YES_NO,
        initial="yes",
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "The national priority areas the Ministry of Health sets for the grant, in the "
            "community's language. Applicants choose among them and the community's own areas."
        ),
    )

    class Meta:
        model = Community
        fields = [
            "name",
            "slug",
            "language",
            "description",
            "postal_address",
            "postcode",
            "postal_place",
            "contact_email",
            "org_number",
            "assessing_body",
            "decision_body",
            "second_decision_body",
            "appeal_body",
            "payment_project_number",
            "reminder_days",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def clean_hospital_trust_org_number(self) -> str:
        number = "".join(self.cleaned_data["hospital_trust_org_number"].split())
        validate_org_number(number)
        return number

    def clean_org_number(self) -> str:
        number = "".join(self.cleaned_data["org_number"].split())
        if number:
            validate_org_number(number)
        return number

    def clean_units(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["units"].splitlines() if line.strip()]

    def community_fields(self) -> dict:
        data = self.cleaned_data
        fields = {name: data[name] for name in self._meta.fields}
        fields["internal_booking"] = data["payment_route"] == "internal"
        return fields


# The form's sections, each under a heading.
SECTIONS = [
    (
        gettext_lazy("The community"),
        ["name", "slug", "language", "description"],
    ),
    (
        gettext_lazy("Letterhead and contact"),
        ["org_number", "postal_address", "postcode", "postal_place", "contact_email"],
    ),
    (
        gettext_lazy("Who assesses and decides"),
        ["assessing_body", "decision_body", "second_decision_body", "appeal_body"],
    ),
    (
        gettext_lazy("Payment and reminders"),
        ["payment_project_number", "payment_route", "reminder_days"],
    ),
    (
        gettext_lazy("The hospital trust"),
        ["hospital_trust_name", "hospital_trust_org_number", "units"],
    ),
    (
        gettext_lazy("The grant scheme"),
        ["scheme_name", "national_priorities"],
    ),
]
SERVICE_FIELDS = {
    "hospital_trust_name": "hospital_trust_name",
    "hospital_trust_org_number": "hospital_trust_org_number",
    "units": "units",
    "scheme_name": "scheme_name",
}


class CommunityCreateView(OperatorRequiredMixin, TemplateView):
    """A new community, with its hospital trust, units and first scheme; then on to importing
    its members."""

    template_name = "tilskot/operator/community_new.html"

    def get_context_data(self, **kwargs):
        form = kwargs.setdefault("form", CommunityCreateForm())
        kwargs["sections"] = [(title, [form[name] for name in names]) for title, names in SECTIONS]
        kwargs["error_list"] = summary_errors(form)
        return super().get_context_data(**kwargs)

    def post(self, request, *args, **kwargs):
        form = CommunityCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                community = community_create(
                    fields=form.community_fields(),
                    hospital_trust={
                        "name": data["hospital_trust_name"],
                        "org_number": data["hospital_trust_org_number"],
                    },
                    units=data["units"],
                    scheme_name=data["scheme_name"],
                    national_priorities=data["national_priorities"] == "yes",
                    by=request.user,
                )
            except ValidationError as error:
                for key, problems in error.message_dict.items():
                    field = key if key in form.fields else None
                    for problem in problems:
                        form.add_error(field, problem)
            else:
                messages.success(
                    request,
                    _(
                        "The community %(name)s is created at /%(slug)s/. Next: import its member "
                        "organisations."
                    )
                    % {"name": community.name, "slug": community.slug},
                )
                return redirect("rules_organisations_import", community=community.slug)
        return self.render_to_response(self.get_context_data(form=form))


# --- importing member organisations -------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("The member list (CSV)"),
        help_text=gettext_lazy(
            "A CSV file from Excel or another spreadsheet, at most 512 KB, separated by "
            "semicolons or commas."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        error_messages={
            "required": gettext_lazy("Choose the CSV file with the member organisations."),
            "empty": gettext_lazy("The file is empty."),
        },
    )

    def clean_file(self) -> str:
        """The file's text, once it reads as a member list (its rows are checked after)."""
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD:
            raise ValidationError(
                _(
                    "The file is larger than 512 KB, far more than a member list: is it the "
                    "right file?"
                )
            )
        text = csv_text(upload.read(MAX_UPLOAD + 1))
        self.rows = organisations_parse_csv(text)
        return text


class OrganisationsImportView(CommunityRoleRequiredMixin, CommunityPageView):
    """Step 1: upload the file. Step 2: every row with what importing it does, or every error
    with its row; nothing is saved. Step 3: the import, checked again, all or nothing.

    The file's text waits in the session between steps 2 and 3 under a token the confirm form
    posts back, so a second tab's upload cannot swap what a first tab confirms."""

    required_role = Role.SECRETARIAT
    template_name = "tilskot/operator/organisations_import.html"

    def get_context_data(self, **kwargs):
        community = self.request.community
        form = kwargs.setdefault("form", UploadForm())
        return super().get_context_data(
            title=_("Import member organisations"),
            error_list=summary_errors(form),
            no_secretariat=self.no_secretariat(),
            people_url=reverse("people", kwargs={"community": community.slug})
            + "?role="
            + Role.SECRETARIAT.value,
            **kwargs,
        )

    def no_secretariat(self) -> bool:
        """Whether the community has nobody in its secretariat yet (onboarding: the operator
        invites the first)."""
        return not CommunityRoleGroup.objects.filter(
            community=self.request.community,
            role=Role.SECRETARIAT,
            group__user__is_active=True,
        ).exists()

    def page(self, **context):
        return self.render_to_response(
            self.get_context_data(community=self.request.community, **context)
        )

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "confirm":
            return self.confirm(request)
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self.page(form=form)
        text, rows = form.cleaned_data["file"], form.rows
        plan = organisations_plan(community=request.community, rows=rows)
        token = uuid.uuid4().hex
        if not plan.errors:
            request.session[SESSION_KEY] = {
                "community": request.community.pk,
                "token": token,
                "text": text,
            }
        return self.page(**self.preview(rows, plan, token))

    def preview(self, rows: list[OrganisationRow], plan: ImportPlan, token: str) -> dict:
        counts = plan.counts
        return {
            "plan": plan,
            "row_errors": self.row_errors(rows, plan.errors),
            "token": token,
            "to_import": counts["add"] + counts["update"],
            "counts": counts,
        }

    @staticmethod
    def row_errors(rows: list[OrganisationRow], errors: list[RowError]) -> list[dict]:
        names = {row.line: row.name for row in rows}
        return [
            {
                "line": error.line,
                "name": names.get(error.line, ""),
                "column": error.field_label,
                "message": error.message,
            }
            for error in errors
        ]

    def confirm(self, request):
        kept = request.session.get(SESSION_KEY) or {}
        if (
            kept.get("community") != request.community.pk
            or not kept.get("token")
            or kept.get("token") != request.POST.get("token")
        ):
            messages.error(
                request,
                _("That preview is no longer the latest: upload the file again to import it."),
            )
            return redirect("rules_organisations_import", community=request.community.slug)
        rows = organisations_parse_csv(kept["text"])
        counts = organisations_plan(community=request.community, rows=rows).counts
        errors = organisations_import(
            community=request.community, rows=rows, save=True, by=request.user
        )
        if errors:  # something changed since the preview: show it afresh
            request.session.pop(SESSION_KEY, None)
            plan = organisations_plan(community=request.community, rows=rows)
            return self.page(**self.preview(rows, plan, ""))
        request.session.pop(SESSION_KEY, None)
        messages.success(request, self.done_message(counts))
        if self.no_secretariat():
            messages.info(request, _("Next: invite the first secretariat person."))
            return redirect(
                reverse("people", kwargs={"community": request.community.slug})
                + "?role="
                + Role.SECRETARIAT.value
            )
        return redirect("rules_organisations", community=request.community.slug)

    @staticmethod
    def done_message(counts: dict[str, int]) -> str:
        added = ngettext(
            "%(count)d member organisation added",
            "%(count)d member organisations added",
            counts["add"],
        ) % {"count": counts["add"]}
        updated = ngettext("%(count)d updated", "%(count)d updated", counts["update"]) % {
            "count": counts["update"]
        }
        unchanged = ngettext(
            "%(count)d already as in the file",
            "%(count)d already as in the file",
            counts["unchanged"],
        ) % {"count": counts["unchanged"]}
        return _("Imported: %(added)s, %(updated)s, %(unchanged)s.") % {
            "added": added,
            "updated": updated,
            "unchanged": unchanged,
        }
