"""The final report page (the recipient drafts and submits; the secretariat returns or
approves), and the yearly status report for the regional health authority (Excel and PDF)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soknad import rules as application_rules
from soknad.exports import table_xlsx
from soknad.pdf import stylesheet
from soknad.uploads import UnsafeFileError, stored_type
from tilskot.forms import error_list
from tilskot.money import amount_input
from tilskot.roles import Role, has_role
from tilskot.validators import without_nul
from utbetaling import rules as grant_rules
from utbetaling.views import grant_or_404

from . import selectors, services
from .charts import granted_by_area
from .forms import ReportForm, ReturnReportForm
from .models import FinalReport


def _form(report: FinalReport, data=None, files=None) -> ReportForm:
    grant = report.grant
    return ReportForm(
        data,
        files,
        report=report,
        lines=list(grant.budget_lines.select_related("organisation")),
        questions=list(grant.application.round.scheme.report_questions.all()),
        auditor=services.auditor_needed(report),
    )


def _saved_data(report: FinalReport, form: ReportForm) -> dict:
    """What the report holds, as form data, with the raw input of fields that failed."""
    data = {name: getattr(report, name) for name in FinalReport.TEXT_FIELDS}
    data["continues"] = {True: "yes", False: "no", None: ""}[report.continues]
    if report.share_learning:
        data["share_learning"] = "on"
    spent = {s.budget_line_id: s.spent for s in report.spending.all()}
    for line in form.lines:
        if line.pk in spent:
            data[f"spent_{line.pk}"] = amount_input(spent[line.pk])
    answers = {a.question_id: a.text for a in report.answers.all()}
    for question in form.questions:
        data[f"answer_{question.pk}"] = answers.get(question.pk, "")
    return {**data, **report.pending_input}


def render_report(request, grant, report, *, form=None, return_form=None, errors=None):
    if form is None:
        unbound = _form(report)
        data = _saved_data(report, unbound)
        # Raw input kept from a failed save is shown again with its error.
        form = _form(report, data) if report.pending_input else _form(report)
        if not report.pending_input:
            form.initial = data
    can_edit = grant_rules.is_recipient(request.user, grant) and report.is_editable
    return render(
        request,
        "rapport/report.html",
        {
            "community": request.community,
            "grant": grant,
            "report": report,
            "form": form,
            "can_edit": can_edit,
            "is_secretariat": grant_rules.is_secretariat(request.user, grant),
            "may_read_application": application_rules.can_read(request.user, grant.application),
            "return_form": return_form or ReturnReportForm(),
            "missing": services.report_missing(report) if can_edit else [],
            "error_list": errors
            if errors is not None
            else error_list(form)
            if form.is_bound
            else [],
            "spending": {s.budget_line_id: s.spent for s in report.spending.all()},
            "answers": {a.question_id: a.text for a in report.answers.all()},
            "auditor_needed": services.auditor_needed(report),
        },
    )


@login_required
def report(request, community, grant):
    grant = grant_or_404(request, grant)
    report = services.report_for(grant)
    if request.method != "POST":
        return render_report(request, grant, report)
    if not grant_rules.is_recipient(request.user, grant):
        raise Http404
    form = _form(report, request.POST, request.FILES)
    form.is_valid()  # nothing is required: every valid field is saved, the rest kept raw
    data = form.cleaned_data
    pending = {
        name: without_nul(request.POST.get(name, "")) for name in form.errors if name in form.fields
    }
    try:
        services.report_save(
            report=report,
            by=request.user,
            fields={
                **{n: data[n] for n in FinalReport.TEXT_FIELDS if n in data},
                **(
                    {"continues": {"yes": True, "no": False}.get(data["continues"])}
                    if "continues" in data
                    else {}
                ),
                "share_learning": data.get("share_learning", False),
            },
            spending={
                line.pk: data.get(f"spent_{line.pk}")
                for line in form.lines
                if f"spent_{line.pk}" in data
            },
            answers={
                q.pk: data[f"answer_{q.pk}"] for q in form.questions if f"answer_{q.pk}" in data
            },
            auditor_file=data.get("auditor_confirmation"),
            pending=pending,
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return render_report(request, grant, report, form=form)
    report.refresh_from_db()
    if form.errors:
        return render_report(request, grant, report, form=form)
    if "submit" in request.POST:
        try:
            services.report_submit(report=report, by=request.user)
        except ValidationError as error:
            return render_report(request, grant, report, errors=[("", m) for m in error.messages])
        messages.success(request, _("The final report is submitted to the secretariat."))
    else:
        messages.success(request, _("Saved."))
    return redirect(request.path)


@login_required
@require_POST
def decide(request, community, grant):
    grant = grant_or_404(request, grant)
    if not grant_rules.is_secretariat(request.user, grant):
        raise Http404
    report = services.report_for(grant)
    form = ReturnReportForm(request.POST)
    form.is_valid()
    try:
        if "approve" in request.POST:
            services.report_approve(report=report, by=request.user)
            messages.success(request, _("The report is approved, and the grant is closed."))
        else:
            services.report_return(
                report=report, by=request.user, comment=form.cleaned_data.get("comment", "")
            )
            messages.success(request, _("The report is returned to the recipient."))
    except ValidationError as error:
        return render_report(
            request, grant, report, return_form=form, errors=[("", m) for m in error.messages]
        )
    return redirect("rapport:report", community=community, grant=grant.pk)


@login_required
def auditor_file(request, community, grant):
    grant = grant_or_404(request, grant)
    report = services.report_for(grant)
    if not report.auditor_confirmation:
        raise Http404
    try:
        file = report.auditor_confirmation.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    try:  # served as the type its content was checked to be, under a name with its extension
        file_type = stored_type(file)
    except UnsafeFileError:
        file.close()
        raise Http404 from None
    return FileResponse(
        file,
        as_attachment=True,
        filename=f"revisorstadfesting-{grant.pk}{file_type.extension}",
        content_type=file_type.content_type,
    )


# --- the status report for the regional health authority -----------------------------------


def _require_status_reader(request):
    if not (
        has_role(request.user, request.community, Role.SECRETARIAT)
        or has_role(request.user, request.community, Role.FINANCE)
    ):
        raise Http404


@login_required
def status(request, community):
    _require_status_reader(request)
    years = selectors.status_years()
    return render(
        request,
        "rapport/status.html",
        {"community": request.community, "years": years, "granted_chart": granted_by_area()},
    )


def _status_headers() -> list[str]:
    return [
        _("Measure"),
        _("Round"),
        _("Responsible applicant"),
        _("Period"),
        _("Status"),
        _("Granted"),
        _("Paid"),
        _("Final report"),
    ]


def _status_rows(rows):
    for row in rows:
        grant = row.grant
        application = grant.application
        yield [
            application.title,
            application.round.name,
            application.responsible_organisation.name
            if application.responsible_organisation
            else "",
            f"{grant.period_start:%d.%m.%Y}–{grant.period_end:%d.%m.%Y}",
            grant.get_status_display(),
            grant.amount,
            grant.paid,
            row.report_status or _("Not started"),
        ]


@login_required
def status_export(request, community, year, format):
    _require_status_reader(request)
    if format not in ("xlsx", "pdf"):
        raise Http404
    rows = selectors.status_report(year)
    filename = f"statusrapport-{community}-{year}"
    if format == "xlsx":
        return table_xlsx(
            _status_headers(),
            _status_rows(rows),
            filename=filename,
            title=_("Status %(year)s") % {"year": year},
            amount_columns=(5, 6),
            widths=(40, 24, 30, 22, 10, 14, 14, 18),
        )
    from weasyprint import HTML

    html = render_to_string(
        "rapport/pdf/status.html",
        {
            "community": request.community,
            "year": year,
            "rows": rows,
            "granted": selectors.total(rows, "amount"),
            "paid": selectors.total(rows, "paid"),
            "made": timezone.localdate(),
        },
        request=request,
    )
    pdf = HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[stylesheet()], pdf_tags=True
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
    return response
