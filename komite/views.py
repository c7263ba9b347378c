"""The committee's pages: the secretariat appoints the members and opens the round; each member
declares conflicts of interest and then sees the applications they may review."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.formats import get_format, localize
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from soknad.models import Application
from soknad.rules import party_reason
from soknad.selectors import application_get
from soknad.views.case import application_content
from tilskot.forms import error_list
from tilskot.models import Criterion
from tilskot.roles import Role, has_role
from tilskot.selectors import round_basic
from tilskot.templatetags.tilskot import nok

from . import charts, rules, selectors, services
from .forms import (
    AppointForm,
    AssessmentForm,
    DeclarationForm,
    RecommendationForm,
    ReviewForm,
)
from .models import Assessment, ConflictDeclaration, Membership, Recommendation
from .pdf import recommendation_pdf as recommendation_pdf_render


def _round_or_404(pk: int):
    round_ = round_basic(pk=pk)
    if round_ is None:
        raise Http404
    return round_


@login_required
def committee(request, community, round):
    """The secretariat's page for a round's committee (appoint, remove, open for review)."""
    round_ = _round_or_404(round)
    if not rules.can_manage_committee(request.user, round_):
        raise Http404
    review_open = rules.review_is_open(round_)
    appoint_form = AppointForm(round_=round_)
    review_form = ReviewForm(
        initial={"scoring_deadline": round_.review.scoring_deadline} if review_open else None
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "appoint":
                appoint_form = AppointForm(request.POST, round_=round_)
                if appoint_form.is_valid():
                    services.member_appoint(
                        round_=round_,
                        user=appoint_form.user,
                        by=request.user,
                        seat=appoint_form.cleaned_data.get("seat"),
                        employer=appoint_form.cleaned_data["employer"],
                    )
                    messages.success(request, _("The member is appointed."))
                    return redirect(request.path)
            elif action == "remove":
                pk = request.POST.get("member", "")
                member = (
                    Membership.objects.filter(round=round_, pk=pk).first() if pk.isdigit() else None
                )
                if member is None:
                    raise Http404
                services.member_remove(member=member, by=request.user)
                messages.success(request, _("The member is removed."))
                return redirect(request.path)
            elif action == "open":
                review_form = ReviewForm(request.POST)
                if review_form.is_valid():
                    services.review_open(
                        round_=round_,
                        by=request.user,
                        scoring_deadline=review_form.cleaned_data["scoring_deadline"],
                    )
                    messages.success(request, _("The complete applications are open for review."))
                    return redirect(request.path)
        except ValidationError as error:
            if action == "appoint" and hasattr(error, "error_dict"):
                appoint_form.add_error(None, error)  # on its field (the seat), all else kept
            else:
                messages.error(request, " ".join(error.messages))
    members = Membership.objects.filter(round=round_).select_related("user", "seat", "employer")
    return render(
        request,
        "komite/committee.html",
        {
            "community": request.community,
            "round": round_,
            "members": members,
            "appoint_form": appoint_form,
            "appoint_errors": error_list(appoint_form) if appoint_form.is_bound else [],
            "review_form": review_form,
            "review_open": review_open,
        },
    )


@login_required
def mine(request, community):
    """The rounds where this person sits on the committee."""
    memberships = Membership.objects.filter(user=request.user).select_related(
        "round", "seat", "round__review"
    )
    return render(
        request,
        "komite/mine.html",
        {
            "community": request.community,
            "memberships": memberships,
        },
    )


@login_required
def review(request, community, round):
    """A member's list of the round's complete applications, with their declarations."""
    round_ = _round_or_404(round)
    member = rules.member_of(request.user, round_)
    if member is None:
        raise Http404
    applications = list(
        Application.objects.filter(round=round_, status=Application.Status.COMPLETE)
        .select_related("responsible_organisation", "round__scheme__community")
        .prefetch_related("partners", "invitations")
        .order_by("title")
    )
    declarations = {d.application_id: d for d in ConflictDeclaration.objects.filter(member=member)}
    rows = [
        {
            "application": a,
            "declaration": declarations.get(a.pk),
            "flagged": rules.employed_by_a_party(member, a),
            "party": party_reason(request.user, a),
        }
        for a in applications
    ]
    return render(
        request,
        "komite/review.html",
        {
            "community": request.community,
            "round": round_,
            "member": member,
            "rows": rows,
            "review_open": rules.review_is_open(round_),
        },
    )


@login_required
def declare(request, community, application):
    """Declare a conflict of interest (or none) before seeing the application."""
    app = application_get(pk=application, with_case=False)
    member = rules.member_of(request.user, app.round) if app else None
    if app is None or member is None or app.status != Application.Status.COMPLETE:
        raise Http404
    existing = rules.declaration(member, app)
    party = party_reason(request.user, app)
    flagged = rules.employed_by_a_party(member, app)
    form = DeclarationForm(
        request.POST or None, initial={"conflict": "yes" if flagged or party else None}
    )
    if request.method == "POST" and existing is None and form.is_valid():
        try:
            declared = services.conflict_declare(
                application=app,
                user=request.user,
                has_conflict=form.cleaned_data["conflict"] == "yes",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if declared.has_conflict:
                messages.info(
                    request,
                    _(
                        "Your conflict of interest is recorded. You take no "
                        "part in this application."
                    ),
                )
                return redirect(
                    reverse("komite:review", kwargs={"community": community, "round": app.round_id})
                )
            messages.success(request, _("Your declaration is recorded."))
            return redirect(
                reverse(
                    "komite:application", kwargs={"community": community, "application": app.pk}
                )
            )
    return render(
        request,
        "komite/declare.html",
        {
            "community": request.community,
            "application": app,
            "form": form,
            "existing": existing,
            "flagged": flagged,
            "party": party,
            "member": member,
            "error_list": [("", e) for e in form.non_field_errors()]
            + [
                (form[f].id_for_label, f"{form[f].label}: {e}")
                for f in form.errors
                if f != "__all__"
                for e in form.errors[f]
            ],
        },
    )


@login_required
def application(request, community, application):
    """The application for a member without a conflict, with their scoring form. The form is
    saved in place with htmx (the page still works without JavaScript)."""
    # A save needs only the row; the page (or a save's errors outside htmx) loads the content.
    posted = request.method == "POST"
    # The round's review (is it open?) comes with the row: ``rules.can_review`` reads it.
    app = application_get(
        pk=application, with_content=not posted, with_case=False, also=("round__review",)
    )
    if app is None or not rules.can_review(request.user, app):
        raise Http404
    member = rules.member_of(request.user, app.round)
    criteria = list(app.round.scheme.criteria.all())
    assessment = Assessment.objects.filter(application=app, member=member).first()
    form = AssessmentForm(request.POST or None, criteria=criteria, assessment=assessment)
    saved = None
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST
        try:
            assessment = services.assessment_save(
                application=app,
                user=request.user,
                scores=form.scores(),
                overall=form.cleaned_data["overall"],
                submit=submit,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            saved = _("Your assessment is submitted.") if submit else _("Saved.")
            if not request.htmx:
                messages.success(request, saved)
                return redirect(request.path)
    context = {
        "community": request.community,
        "application": app,
        "form": form,
        "assessment": assessment,
        "saved": saved,
        "criteria": criteria,
        "error_list": [("", e) for e in form.non_field_errors()],
    }
    if request.htmx:
        return render(request, "komite/_scoring.html", context)
    if posted:
        app = context["application"] = application_get(
            pk=app.pk, with_case=False, also=("round__review",)
        )
    context["content"] = application_content(app)
    return render(request, "komite/application.html", context)


@login_required
def dashboard(request, community, round):
    """The round's scoring overview, for the secretariat and the committee."""
    round_ = _round_or_404(round)
    is_secretariat = rules.can_manage_committee(request.user, round_)
    if not is_secretariat and rules.member_of(request.user, round_) is None:
        raise Http404
    rows, criteria = selectors.dashboard(round_=round_, viewer=request.user)
    return render(
        request,
        "komite/dashboard.html",
        {
            "community": request.community,
            "round": round_,
            "rows": rows,
            "table_rows": _dashboard_rows(rows, criteria, round_.budget),
            "criteria": criteria,
            "budget": round_.budget,
            "spread": charts.score_spread(rows, criteria),
            "is_secretariat": is_secretariat,  # the breadcrumbs: the secretariat's way here
        },
    )


def _dashboard_rows(rows: list[selectors.Row], criteria, budget) -> SafeString:
    """The scoring overview's table rows, written out in Python as the secretariat's table rows
    are (``soknad.views.screening.table_rows``): a template loop over every criterion of every
    application was most of the page's time."""
    separator = get_format("DECIMAL_SEPARATOR")
    # (gettext outside the f-strings: makemessages does not look inside them)
    hidden_text, over_text = escape(_("hidden")), escape(_("Over the money available"))
    hidden = f'<td><span class="small muted">{hidden_text}</span></td>'
    over_tag = f'<span class="ds-tag" data-color="warning" data-size="sm">{over_text}</span>'
    checks = {c.pk for c in criteria if c.kind == Criterion.Kind.CHECK}
    met_text, spread_text = _("%(met)s of %(n)s met"), _("spread %(spread)s")
    lines = []
    for row in rows:
        cells = []
        for criterion in criteria:
            stat = row.stats.get(criterion.pk) if row.visible else None
            if not row.visible:
                cells.append(hidden)
            elif not stat:
                cells.append("<td>–</td>")
            elif criterion.pk in checks:
                cells.append(f"<td>{escape(met_text % {'met': stat.met, 'n': stat.count})}</td>")
            else:
                mean = "–" if stat.mean is None else f"{stat.mean:.1f}".replace(".", separator)
                spread = escape(spread_text % {"spread": stat.spread})
                cells.append(f'<td>{mean} <span class="small muted nowrap">({spread})</span></td>')
        over = bool(budget is not None and row.running_requested and row.running_requested > budget)
        opening = '<tr class="over-budget">' if over else "<tr>"
        lines.append(
            f"{opening}<td>{row.rank or '–'}</td>"
            f'<th scope="row">{escape(row.application)}</th>'
            f'<td class="nowrap">{row.submitted} / {row.eligible}</td>{"".join(cells)}'
            f'<td class="num">{"–" if row.total is None else escape(localize(row.total))}</td>'
            f'<td class="num">{nok(row.requested)}</td><td class="num">'
            f"{'' if row.running_requested is None else nok(row.running_requested)}"
            f"{' ' + over_tag if over else ''}</td></tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 -- its texts are escaped


def _score_summaries(
    rows: list[selectors.Row], criteria, language: str, *, as_cells: bool
) -> dict[int, SafeString]:
    """Each application's scores as the ranking uses them (the mean per criterion, the total),
    drawn for the recommendation page: table cells for the sent recommendation (``as_cells``),
    or a folded list under the form's item. Written out in Python, as the secretariat's table
    rows are: a template loop over every criterion of hundreds of applications cost the page
    a third of its time."""
    separator = get_format("DECIMAL_SEPARATOR")
    lang = escape(language)
    titles = [escape(c.title) for c in criteria]
    checks = {c.pk for c in criteria if c.kind == Criterion.Kind.CHECK}
    met_text, dash = _("%(met)s of %(n)s met"), "–"
    no_total = escape(_("No total score yet"))
    summaries = {}
    for row in rows:
        texts = []
        for criterion in criteria:
            stat = row.stats.get(criterion.pk)
            if stat and criterion.pk in checks:
                texts.append(escape(met_text % {"met": stat.met, "n": stat.count}))
            elif stat and stat.mean is not None:
                texts.append(f"{stat.mean:.2f}".replace(".", separator))
            else:
                texts.append(dash)
        total = None if row.total is None else f"{row.total:.2f}".replace(".", separator)
        if as_cells:
            html = "".join(f'<td class="num">{text}</td>' for text in texts) + (
                f'<td class="num">{dash}</td>'
                if total is None
                else f'<td class="num"><strong>{total}</strong></td>'
            )
        else:
            summary = (
                no_total
                if total is None
                else escape(
                    _("Total score %(total)s (rank %(rank)s)") % {"total": total, "rank": row.rank}
                )
            )
            facts = "".join(
                f'<dt lang="{lang}">{title}</dt><dd>{text}</dd>'
                for title, text in zip(titles, texts, strict=True)
            )
            html = (
                f'<details class="ds-details scores"><summary>{summary}</summary>'
                f'<div><dl class="facts">{facts}</dl></div></details>'
            )
        summaries[row.application.pk] = mark_safe(html)  # noqa: S308 -- its texts are escaped
    return summaries


def _sent_rows(items, scores: dict[int, SafeString] | None, criteria) -> SafeString:
    """The sent recommendation's table rows (place, application, the scores where shown, the
    proposal, amount and conditions or reason), written out in Python as the overview's are."""
    grant, reject = escape(_("Grant")), escape(_("Reject"))
    no_scores = '<td class="num">–</td>' * (len(criteria) + 1)
    lines = []
    for item in items:
        shown = "" if scores is None else scores.get(item.application_id, no_scores)
        amount = "" if item.amount is None else nok(item.amount)
        lines.append(
            f'<tr><td>{item.order}</td><th scope="row">{escape(item.application)}</th>{shown}'
            f'<td>{grant if item.grant else reject}</td><td class="num">{amount}</td>'
            f'<td class="text">{linebreaksbr(item.conditions or item.reason, autoescape=True)}</td>'
            "</tr>"
        )
    return mark_safe("\n".join(lines))  # noqa: S308 -- its texts are escaped


@login_required
def recommendation(request, community, round):
    """The secretariat prepares the ranked recommendation and sends it to the decision body;
    the decision body reads it. A total over the money available is refused with the reason,
    and everything typed stays on the page."""
    round_ = _round_or_404(round)
    can_edit = rules.can_manage_committee(request.user, round_)
    if not can_edit and not has_role(request.user, round_.scheme.community, Role.DECISION_BODY):
        raise Http404
    rows, criteria = selectors.dashboard(round_=round_, viewer=request.user)
    saved = Recommendation.objects.filter(round=round_).first()
    items = (
        {i.application_id: i for i in saved.items.select_related("application")} if saved else {}
    )
    applications = sorted(
        (r.application for r in rows),
        key=lambda a: items[a.pk].order if a.pk in items else 10_000,
    )
    sent = saved is not None and saved.status == Recommendation.Status.SENT
    # Before the round's deadline applications can still come in: no recommendation yet.
    waiting = "" if sent else rules.waiting_for_deadline(round_)
    # The form only where it is shown: a sent recommendation and the decision body's reading
    # are a table (building the form of hundreds of items cost that page a third of its time).
    form = (
        RecommendationForm(
            request.POST if request.method == "POST" else None,
            applications=applications,
            items=items,
        )
        if can_edit and not sent and not waiting
        else None
    )
    if form is not None and form.is_bound and form.is_valid():
        try:
            services.recommendation_save(
                round_=round_, by=request.user, items=form.items(), send="send" in request.POST
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("The recommendation is sent to the decision body.")
                if "send" in request.POST
                else _("Saved."),
            )
            return redirect(request.path)
    errors = (
        [("", e) for e in form.non_field_errors()]
        + [
            (form[name].id_for_label, f"{form[name].label}: {e}")
            for name, field_errors in form.errors.items()
            if name != "__all__"
            for e in field_errors
        ]
        if form is not None
        else []
    )
    listed = [items[a.pk] for a in applications if a.pk in items]
    show_scores = any(r.visible for r in rows)
    # Each application's scores as the ranking uses them, where the viewer may see them.
    scores = (
        _score_summaries(rows, criteria, request.community.language, as_cells=sent)
        if show_scores
        else {}
    )
    return render(
        request,
        "komite/recommendation.html",
        {
            "community": request.community,
            "round": round_,
            "form": form,
            "saved": saved,
            "sent": sent,
            "can_edit": can_edit and not sent and not waiting,
            "waiting": waiting,
            "is_secretariat": can_edit,  # the decision body reads it, not the scores
            "error_list": errors,
            "requested": {r.application.pk: r.requested for r in rows},
            "items": listed,
            "sent_rows": _sent_rows(listed, scores if show_scores else None, criteria)
            if sent
            else "",
            # the decision body sees the running sum once the recommendation is sent
            "running_sum": charts.running_sum(list(items.values()), round_.budget)
            if can_edit or sent
            else None,
            "scores": scores,
            "criteria": criteria,
            "show_scores": show_scores,
        },
    )


@login_required
def recommendation_pdf(request, community, round):
    """The sent recommendation as PDF, for the secretariat and the decision body."""
    round_ = _round_or_404(round)
    if not (
        rules.can_manage_committee(request.user, round_)
        or has_role(request.user, round_.scheme.community, Role.DECISION_BODY)
    ):
        raise Http404
    recommendation = Recommendation.objects.filter(
        round=round_, status=Recommendation.Status.SENT
    ).first()
    if recommendation is None:
        raise Http404
    rows, _criteria = selectors.dashboard(round_=round_, viewer=request.user)
    pdf = recommendation_pdf_render(
        recommendation, requested={r.application.pk: r.requested for r in rows}
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="innstilling-{round_.pk}.pdf"'
    return response
