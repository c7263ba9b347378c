"""The secretariat's work on a round's applications: the table of them (with filters, sorting and
CSV/Excel export) and the screening actions on one application."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Exists, F, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from tilskot.models import Organisation, PriorityArea, Round
from tilskot.roles import Role
from tilskot.selectors import round_basic
from tilskot.templatetags.tilskot import nok
from tilskot.views import CommunityPageView, CommunityRoleRequiredMixin

from .. import charts, exports, rules, services
from ..models import Application
from ..selectors import (
    applications_table,
    applications_table_export,
    applications_table_figures,
    applications_table_page,
)
from .case import SCREENING_FORMS, STATUS_COLORS, render_case
from .common import application_or_404

Status = Application.Status

PAGE_SIZE = 50

# --- screening ---------------------------------------------------------------------------------

SUCCESS = {
    "complete": _("The application is marked complete."),
    "more_info": _("The applicant has been asked for more information."),
    "reject": _("The application is rejected on formal grounds. The applicant has been told."),
}


def _perform(action: str, form: forms.Form, application: Application, by) -> None:
    if action == "complete":
        services.application_mark_complete(application=application, by=by)
    elif action == "more_info":
        services.application_request_more_info(
            application=application,
            by=by,
            message=form.cleaned_data["message"],
            steps=form.cleaned_data["steps"],
        )
    else:
        services.application_reject_formally(
            application=application, by=by, reason=form.cleaned_data["reason"]
        )


@require_POST
@login_required
def screen(request, community, application):
    """Mark complete, ask for more information or reject on formal grounds. A refused action
    shows the case page again with the error next to its form and what was typed kept."""
    application = application_or_404(request, application, rules.can_screen)
    action = request.POST.get("action", "")
    form_class = SCREENING_FORMS.get(action)
    if form_class is None:
        return render_case(
            request, application, error=gettext("Choose one of the screening actions.")
        )
    form = form_class(request.POST)
    if form.is_valid():
        try:
            _perform(action, form, application, request.user)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            # Rendered now, in the request's language: a lazy text would be rendered when the
            # message is stored, after the request's language has ended.
            messages.success(request, str(SUCCESS[action]))
            return redirect(application.get_absolute_url())
    return render_case(request, application, bound=form)


# --- the table ---------------------------------------------------------------------------------

SCREENED_STATUSES = [(value, label) for value, label in Status.choices if value != Status.DRAFT]


class TableFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *SCREENED_STATUSES]
    )
    priority_area = forms.ModelChoiceField(
        label=_("Priority area"),
        required=False,
        queryset=PriorityArea.objects.none(),
        empty_label=_("All"),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        help_text=_("Responsible organisation or partner."),
        required=False,
        queryset=Organisation.objects.none(),
        empty_label=_("All"),
    )

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        # Only what a choice shows (its id and name).
        self.fields["priority_area"].queryset = PriorityArea.objects.filter(
            scheme=round_.scheme
        ).only("id", "name")
        self.fields["municipality"].queryset = (
            Organisation.objects.filter(kind=Organisation.Kind.MUNICIPALITY)
            .only("id", "name")
            .order_by("name")
        )

    def filter(self, rows: QuerySet[Application]) -> QuerySet[Application]:
        """``rows`` narrowed by every filter that was given and valid (an invalid one is shown
        with its error and ignored)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        if data.get("status"):
            rows = rows.filter(status=data["status"])
        if data.get("priority_area"):
            rows = rows.filter(priority_areas=data["priority_area"])
        if municipality := data.get("municipality"):
            # Exists, not a join: a join on partners would repeat an application once per
            # partner when it is also the responsible organisation.
            rows = rows.filter(
                Q(responsible_organisation=municipality)
                | Exists(
                    Application.partners.through.objects.filter(
                        application=OuterRef("pk"), organisation=municipality
                    )
                )
            )
        return rows


# Sortable columns: the key in ?sort= and what it orders by. Status sorts in workflow order.
SORTS = {
    "title": Lower("title"),
    "status": Case(
        *(When(status=value, then=Value(i)) for i, value in enumerate(Status.values)),
        default=Value(len(Status.values)),
    ),
    "submitted_at": F("submitted_at"),
    "requested": F("requested"),
}
DEFAULT_SORT = "-submitted_at"


def sort_param(value: str | None) -> str:
    """The requested sort if it is one we offer, else the default."""
    if value and value.removeprefix("-") in SORTS:
        return value
    return DEFAULT_SORT


def sorted_rows(rows: QuerySet[Application], sort: str) -> QuerySet[Application]:
    expression = SORTS[sort.removeprefix("-")]
    if sort.startswith("-"):
        return rows.order_by(expression.desc(nulls_last=True), "-pk")
    return rows.order_by(expression.asc(nulls_first=True), "pk")


@dataclass(frozen=True)
class Column:
    label: str
    key: str = ""  # sortable when set
    numeric: bool = False
    current: str = ""

    @property
    def aria_sort(self) -> str:
        if self.key and self.current == self.key:
            return "ascending"
        if self.key and self.current == f"-{self.key}":
            return "descending"
        return ""

    @property
    def next_sort(self) -> str:
        """A click sorts ascending, and a second click on the same column descending."""
        return f"-{self.key}" if self.current == self.key else self.key


ROW = (
    '<tr><td><a href="{}">{}</a></td>'
    '<td><span class="ds-tag" data-color="{}">{}</span></td>'
    "<td>{}</td><td>{}</td>"
    '<td lang="{}">{}</td>'
    '<td class="num nowrap">{}</td><td class="num nowrap">{}</td>'
    '<td class="nowrap">{}</td></tr>'
)
NO_PK = 2_147_483_647  # stands for the application's id in the link, replaced per row


def table_rows(applications: list[Application], community) -> list[SafeString]:
    """The table's rows, written out in Python: a template loop with a filter or two per cell
    took about half the page's time at 50 rows (issue 13). The same cells as the template's
    head: title (linked to the case), status, responsible organisation, partners, priority
    areas, requested, own contribution and submitted."""
    link = reverse("soknad:application", kwargs={"community": community.slug, "application": NO_PK})
    before, after = link.split(str(NO_PK))
    labels = {value: str(label) for value, label in Status.choices}
    rows = []
    for application in applications:
        organisation = application.responsible_organisation
        submitted = application.submitted_at
        rows.append(
            format_html(
                ROW,
                f"{before}{application.pk}{after}",
                str(application),
                STATUS_COLORS[application.status],
                labels[application.status],
                organisation.name if organisation else "",
                ", ".join(partner.name for partner in application.partners.all()),
                community.language,
                "; ".join(area.name for area in application.priority_areas.all()),
                nok(application.requested or 0),
                nok(application.own_contribution or 0),
                _time(timezone.localtime(submitted)) if submitted else "",
            )
        )
    return rows


def _time(moment) -> SafeString:
    return format_html(
        '<time datetime="{}">{}</time>',
        moment.isoformat(),
        date_format(moment, "SHORT_DATETIME_FORMAT"),
    )


class ApplicationTableView(CommunityRoleRequiredMixin, CommunityPageView):
    required_role = Role.SECRETARIAT
    template_name = "soknad/table.html"

    def get(self, request, *args, **kwargs):
        round_ = round_basic(pk=self.kwargs["round"])
        if round_ is None:
            raise Http404
        filters = TableFilterForm(request.GET or None, round_=round_)
        sort = sort_param(request.GET.get("sort"))
        rows = sorted_rows(filters.filter(applications_table(round_pk=round_.pk)), sort)

        export = request.GET.get("format")
        if export in exports.FORMATS:
            filename = f"{request.community.slug}-{round_.pk}-applications"
            return exports.FORMATS[export](applications_table_export(rows), filename=filename)

        figures = applications_table_figures(rows, scheme_id=round_.scheme_id)
        paginator = Paginator(applications_table_page(rows), PAGE_SIZE)
        paginator.count = figures["count"]  # counted with the figures: no COUNT of its own
        page = paginator.get_page(request.GET.get("page"))
        applications = list(page.object_list)
        return self.render_to_response(
            self.get_context_data(
                community=request.community,
                round=round_,
                filters=filters,
                sort=sort,
                columns=self.columns(sort),
                page=page,
                page_range=list(
                    page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
                ),
                applications=applications,
                rows=table_rows(applications, request.community),
                filter_errors=[
                    (filters[name].auto_id, message)
                    for name, errors in filters.errors.items()
                    for message in errors
                ],
                requested_total=figures["requested_total"],
                own_total=figures["own_total"],
                round_charts=charts.round_charts(figures),
            )
        )

    @staticmethod
    def columns(sort: str) -> list[Column]:
        return [
            Column(_("Title"), "title", current=sort),
            Column(_("Status"), "status", current=sort),
            Column(_("Responsible organisation")),
            Column(_("Partners")),
            Column(_("Priority areas")),
            Column(_("Requested"), "requested", numeric=True, current=sort),
            Column(_("Own contribution"), numeric=True),
            Column(_("Submitted"), "submitted_at", current=sort),
        ]
