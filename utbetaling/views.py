"""The payment pages: one grant (for its recipient, the secretariat and finance) with every
action on its money, and the finance table across the community's grants. A refused action
shows the grant page again with the reason and what was typed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_POST

from soknad import rules as application_rules
from soknad.exports import amount, table_csv, table_xlsx
from tilskot.forms import error_list
from tilskot.models import Round

from . import rules, selectors, services
from .forms import (
    AcceptForm,
    ClaimForm,
    DecideForm,
    FinanceFilterForm,
    PaidForm,
    PaymentForm,
    ReallocationForm,
    ReturnForm,
    SettleForm,
)
from .kept import kept_invoice_get, kept_invoice_make, kept_invoice_show
from .models import Grant, Payment, Reallocation, RepaymentClaim

PAGE_SIZE = 50


def grant_or_404(request, pk) -> Grant:
    grant = selectors.grant_get(pk=pk)
    if grant is None or not rules.can_see_grant(request.user, grant):
        raise Http404
    return grant


def render_grant(request, grant: Grant, *, bound: dict | None = None, status: int = 200):
    """The grant page. Every form has its own prefix (so no two controls share an id);
    ``bound`` holds a refused form under its prefix, shown again with its errors."""
    bound = bound or {}
    user = request.user
    recipient = rules.is_recipient(user, grant)
    secretariat = rules.is_secretariat(user, grant)
    finance = rules.is_finance(user, grant)
    is_open = grant.status == Grant.Status.OPEN
    lines = list(grant.budget_lines.select_related("organisation"))
    payments = [
        (
            payment,
            bound.get(f"return-{payment.pk}") or ReturnForm(prefix=f"return-{payment.pk}"),
            bound.get(f"paid-{payment.pk}") or PaidForm(prefix=f"paid-{payment.pk}"),
        )
        for payment in grant.payments.select_related("registered_by", "decided_by")
    ]
    reallocations = [
        (r, bound.get(f"decide-{r.pk}") or DecideForm(prefix=f"decide-{r.pk}"))
        for r in grant.reallocations.select_related("requested_by", "decided_by").prefetch_related(
            "lines__budget_line__organisation"
        )
    ]
    claims = [
        (c, bound.get(f"settle-{c.pk}") or SettleForm(prefix=f"settle-{c.pk}"))
        for c in grant.repayment_claims.all()
    ]
    forms_ = {
        "accept": bound.get("accept")
        or (
            AcceptForm(internal=grant.internal, prefix="accept")
            if recipient and not grant.accepted
            else None
        ),
        "payment": bound.get("payment")
        or (
            PaymentForm(internal=grant.internal, prefix="payment")
            if is_open and grant.accepted and rules.can_register_payment(user, grant)
            else None
        ),
        "reallocation": bound.get("reallocation")
        or (
            ReallocationForm(lines=lines, prefix="reallocation") if recipient and is_open else None
        ),
        "claim": bound.get("claim") or (ClaimForm(prefix="claim") if secretariat else None),
    }
    context = {
        "community": request.community,
        "grant": grant,
        "application": grant.application,
        # Finance reads the grant, not the application's case: no link it cannot follow.
        "can_view_application": application_rules.can_view(request.user, grant.application),
        "totals": selectors.totals(grant),
        "lines": lines,
        "payments": payments,
        "reallocations": reallocations,
        "claims": claims,
        "is_recipient": recipient,
        # Accepting and invoicing bind the organisation: say beforehand who may, if not them.
        "signing_refusal": rules.signing_refusal(user, grant)
        if recipient and not (secretariat or finance) and is_open
        else "",
        "is_secretariat": secretariat,
        "is_finance": finance,
        "forms": forms_,
        "open_section": next(iter(bound), ""),
        "error_list": [e for form in bound.values() for e in error_list(form)],
    }
    return render(request, "utbetaling/grant.html", context, status=status)


@login_required
def grant(request, community, grant):
    return render_grant(request, grant_or_404(request, grant))


def _act(request, grant: Grant, name: str, form: forms.Form, perform, success: str, refused=None):
    """Validate ``form``, call ``perform(form)``; on a refusal show the page again with the
    reasons under ``name``, and with everything typed (``refused(form)`` keeps the rest, such
    as an uploaded file)."""
    if form.is_valid():
        try:
            perform(form)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, success)
            return redirect(grant.get_absolute_url())
    if refused is not None:
        refused(form)
    return render_grant(request, grant, bound={name: form})


@login_required
@require_POST
def accept(request, community, grant):
    grant = grant_or_404(request, grant)
    form = AcceptForm(request.POST, internal=grant.internal, prefix="accept")
    return _act(
        request,
        grant,
        "accept",
        form,
        lambda f: services.grant_accept(
            grant=grant,
            by=request.user,
            accepted_as=f.cleaned_data["accepted_as"],
            bank_account=f.cleaned_data.get("bank_account", ""),
        ),
        _("The conditions are accepted."),
    )


@login_required
@require_POST
def payment_register(request, community, grant):
    grant = grant_or_404(request, grant)
    form = PaymentForm(request.POST, request.FILES, internal=grant.internal, prefix="payment")
    # An invoice refused for its other fields keeps its PDF: the next post need not choose it
    # again (as an application's documents are kept).
    kept = (
        None
        if request.FILES.get("payment-file")
        else kept_invoice_get(token=request.POST.get("payment-kept_file", ""), grant=grant)
    )

    def register(f):
        upload = f.cleaned_data.get("file")
        if upload is None and kept is not None:
            with kept.file as stored:
                save(f, stored)
            kept.discard()
        else:
            save(f, upload)

    def save(f, file):
        services.payment_register(
            grant=grant,
            by=request.user,
            number=f.cleaned_data["number"],
            date=f.cleaned_data["date"],
            amount=f.cleaned_data["amount"],
            org_number=f.cleaned_data.get("org_number", ""),
            organisation_name=f.cleaned_data.get("organisation_name", ""),
            marking=f.cleaned_data.get("marking", ""),
            file=file,
        )

    return _act(
        request,
        grant,
        "payment",
        form,
        register,
        _("The booking is registered.") if grant.internal else _("The invoice is registered."),
        refused=lambda f: kept_invoice_show(f, kept or kept_invoice_make(f, grant=grant)),
    )


PAYMENT_ACTIONS = {
    "godkjenn": (forms.Form, lambda p, u, f: services.payment_approve(payment=p, by=u)),
    "returner": (
        ReturnForm,
        lambda p, u, f: services.payment_return(payment=p, by=u, reason=f.cleaned_data["reason"]),
    ),
    "betalt": (
        PaidForm,
        lambda p, u, f: services.payment_mark_paid(
            payment=p, by=u, paid_on=f.cleaned_data["paid_on"]
        ),
    ),
}
# Lazy, translated when a request shows one: gettext here would translate once, at import, in
# whatever language was active then (bokmål in Bergen too).
PAYMENT_SUCCESS = {
    "godkjenn": gettext_lazy("Approved."),
    "returner": gettext_lazy("Returned. The recipient has been told why."),
    "betalt": gettext_lazy("Marked as paid."),
}


@login_required
@require_POST
def payment_action(request, community, grant, payment, action):
    grant = grant_or_404(request, grant)
    payment = get_object_or_404(Payment, grant=grant, pk=payment)
    if action not in PAYMENT_ACTIONS or not rules.is_finance(request.user, grant):
        raise Http404
    form_class, perform = PAYMENT_ACTIONS[action]
    prefix = {"godkjenn": "approve", "returner": "return", "betalt": "paid"}[action]
    form = form_class(request.POST, prefix=f"{prefix}-{payment.pk}")
    return _act(
        request,
        grant,
        f"{prefix}-{payment.pk}",
        form,
        lambda f: perform(payment, request.user, f),
        str(PAYMENT_SUCCESS[action]),
    )


@login_required
def invoice_file(request, community, grant, payment):
    grant = grant_or_404(request, grant)
    payment = get_object_or_404(Payment, grant=grant, pk=payment)
    if not payment.file:
        raise Http404
    return FileResponse(
        payment.file.open("rb"),
        as_attachment=True,
        filename=f"faktura-{payment.number}.pdf",
        content_type="application/pdf",
    )


@login_required
@require_POST
def reallocation_request(request, community, grant):
    grant = grant_or_404(request, grant)
    form = ReallocationForm(
        request.POST,
        lines=list(grant.budget_lines.select_related("organisation")),
        prefix="reallocation",
    )
    return _act(
        request,
        grant,
        "reallocation",
        form,
        lambda f: services.reallocation_request(
            grant=grant,
            by=request.user,
            reason=f.cleaned_data["reason"],
            amounts=f.amounts(),
            period_end=f.cleaned_data["period_end"],
        ),
        _("The request is sent to the secretariat."),
    )


@login_required
@require_POST
def reallocation_decide(request, community, grant, reallocation):
    grant = grant_or_404(request, grant)
    reallocation = get_object_or_404(Reallocation, grant=grant, pk=reallocation)
    if not rules.is_secretariat(request.user, grant):
        raise Http404
    approve = "approve" in request.POST
    return _act(
        request,
        grant,
        f"decide-{reallocation.pk}",
        DecideForm(request.POST, prefix=f"decide-{reallocation.pk}"),
        lambda f: services.reallocation_decide(
            reallocation=reallocation,
            by=request.user,
            approve=approve,
            comment=f.cleaned_data["comment"],
        ),
        _("The change is approved.") if approve else _("The change is rejected."),
    )


@login_required
@require_POST
def claim_raise(request, community, grant):
    grant = grant_or_404(request, grant)
    if not rules.is_secretariat(request.user, grant):
        raise Http404
    return _act(
        request,
        grant,
        "claim",
        ClaimForm(request.POST, prefix="claim"),
        lambda f: services.repayment_claim(grant=grant, by=request.user, **f.cleaned_data),
        _("The claim is raised. The recipient has been told, with the right to appeal."),
    )


@login_required
@require_POST
def claim_settle(request, community, grant, claim):
    grant = grant_or_404(request, grant)
    claim = get_object_or_404(RepaymentClaim, grant=grant, pk=claim)
    if not (rules.is_secretariat(request.user, grant) or rules.is_finance(request.user, grant)):
        raise Http404
    return _act(
        request,
        grant,
        f"settle-{claim.pk}",
        SettleForm(request.POST, prefix=f"settle-{claim.pk}"),
        lambda f: services.repayment_settle(
            claim=claim, by=request.user, settled_on=f.cleaned_data["settled_on"]
        ),
        _("The claim is recorded as settled."),
    )


# --- the finance table ---------------------------------------------------------------------


def _headers() -> list[str]:
    return [
        pgettext("noun", "Grant"),
        _("Round"),
        _("Recipient"),
        _("Payment"),
        _("Status"),
        _("Granted"),
        _("Invoiced"),
        _("Approved"),
        _("Paid"),
        _("Left"),
        _("Open repayment claim"),
    ]


def _rows(grants):
    for grant in grants:
        yield [
            grant.application.title,
            grant.application.round.name,
            grant.application.responsible_organisation.name
            if grant.application.responsible_organisation
            else "",
            _("Booked internally") if grant.internal else _("Against invoices"),
            grant.get_status_display(),
            amount(grant.amount),
            amount(grant.invoiced),
            amount(grant.approved),
            amount(grant.paid),
            amount(grant.left),
            _("yes") if grant.open_claims else "",
        ]


@login_required
def finance_table(request, community):
    if not rules.can_see_finance_table(request.user, request.community):
        raise Http404
    rounds = list(Round.objects.filter(applications__grant__isnull=False).distinct())
    form = FinanceFilterForm(request.GET or None, rounds=rounds)
    filters = form.cleaned_data if form.is_valid() else {}
    grants = selectors.finance_table(
        round_id=filters.get("runde"),
        status=filters.get("status", ""),
        route=filters.get("route", ""),
        search=filters.get("q", ""),
    )
    export = request.GET.get("format")
    filename = f"tilskot-{community}-okonomi"
    if export == "csv":
        return table_csv(_headers(), _rows(grants), filename=filename)
    if export == "xlsx":
        return table_xlsx(
            _headers(),
            _rows(grants),
            filename=filename,
            title=_("Grants"),
            amount_columns=(5, 6, 7, 8, 9),
            widths=(40, 24, 30, 18, 10, 14, 14, 14, 14, 14, 10),
        )
    page = Paginator(grants, PAGE_SIZE).get_page(request.GET.get("side"))
    query = request.GET.copy()
    query.pop("side", None)
    return render(
        request,
        "utbetaling/finance.html",
        {
            "community": request.community,
            "form": form,
            "page": page,
            "sums": selectors.table_sums(grants),
            "query": query.urlencode(),
        },
    )


def case_section(user, application) -> dict | None:
    """A link from the application's case page to its grant, once the grant is open."""
    if application.status != "granted":
        return None
    grant = Grant.objects.filter(application=application).first()
    if grant is None:
        return None
    grant.application = application  # already loaded, with its round and community
    if not rules.can_see_grant(user, grant):
        return None
    return {"template": "utbetaling/_case_grant.html", "grant": grant}
