"""The decision pages: the decision bodies record their decisions; the secretariat issues the
letters (a Celery task whose progress the page shows), sees the money left and opens an extra
round with it; an applicant reads their letter on the case."""

from __future__ import annotations

import datetime as dt
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from soknad import rules as application_rules
from soknad.models import Application
from tilskot.downloads import attachment
from tilskot.forms import error_list
from tilskot.models import Round, Scheme
from tilskot.roles import Role, has_role
from tilskot.views import CommunityPageView, CommunityRoleRequiredMixin

from . import decisions, letters, rules
from .forms import DecisionForm, ExtraRoundForm
from .models import Decision, DecisionItem, DecisionLetter, LetterBatch, Recommendation
from .views import _round_or_404

log = logging.getLogger(__name__)

STALE_BATCH = dt.timedelta(minutes=15)


@login_required
def overview(request, community):
    """The rounds with a decision to make or made, for the decision bodies and the
    secretariat."""
    if not (
        has_role(request.user, request.community, Role.DECISION_BODY)
        or has_role(request.user, request.community, Role.SECRETARIAT)
    ):
        raise Http404
    rounds = (
        Round.objects.filter(recommendation__status=Recommendation.Status.SENT)
        .select_related("scheme")
        .prefetch_related("decisions")
        .order_by("-closes_at")
    )
    bodies = request.community.decision_bodies
    rows = []
    for round_ in rounds:
        made = {d.stage: d for d in round_.decisions.all()}
        rows.append(
            {
                "round": round_,
                "stages": [(stage, body, made.get(stage)) for stage, body in enumerate(bodies, 1)],
            }
        )
    return render(request, "komite/decisions.html", {"community": request.community, "rows": rows})


@login_required
def decision(request, community, round, stage):
    """One body's decision on a round: recorded after its meeting, then locked."""
    round_ = _round_or_404(round)
    if not rules.can_record_decision(request.user, round_):
        raise Http404
    bodies = request.community.decision_bodies
    if not 1 <= stage <= len(bodies):
        raise Http404
    saved = Decision.objects.filter(round=round_, stage=stage).first()
    proposals = decisions.proposals(round_, stage)
    recorded = saved is not None and saved.is_recorded
    final = stage == len(bodies)
    form = None
    if proposals is not None and not recorded:
        form = DecisionForm(
            request.POST if request.method == "POST" else None,
            proposals=sorted(proposals, key=lambda p: p.order),
            decision=saved,
            final=final,
        )
        if form.is_bound and form.is_valid():
            record = "record" in request.POST
            try:
                decisions.decision_save(
                    round_=round_,
                    stage=stage,
                    by=request.user,
                    meeting=form.cleaned_data["meeting"],
                    case_reference=form.cleaned_data["case_reference"],
                    decided_on=form.cleaned_data["decided_on"],
                    items=form.items(),
                    record=record,
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("The decision is recorded.") if record else _("Saved."))
                return redirect(request.path)
    items = list(saved.items.select_related("application")) if recorded else []
    party_to = (
        rules.parties_decided_by(request.user, round_, proposals)
        if proposals is not None and not recorded
        else []
    )
    return render(
        request,
        "komite/decision.html",
        {
            "community": request.community,
            "round": round_,
            "stage": stage,
            "body": bodies[stage - 1],
            "final": final,
            "next_body": bodies[stage] if stage < len(bodies) else "",
            "decision": saved,
            "recorded": recorded,
            "items": items,
            "granted_total": sum((i.amount for i in items if i.granted), start=0),
            "form": form,
            "withdrawn": decisions.withdrawn(round_) if proposals is not None else [],
            "party_to": decisions.party_message(party_to, bodies[stage - 1]) if party_to else "",
            # What the body decides on, shown beside each application (Nord: the SSU's list).
            "basis_name": _("the committee's recommendation") if stage == 1 else bodies[stage - 2],
            "error_list": error_list(form) if form is not None and form.is_bound else [],
            "waiting_for": (
                _("the committee's recommendation") if stage == 1 else bodies[stage - 2]
            )
            if proposals is None
            else "",
        },
    )


def _letters_context(request, round_: Round) -> dict:
    batch = LetterBatch.objects.filter(round=round_).first()
    return {
        "community": request.community,
        "round": round_,
        "batch": batch,
        "can_issue": batch is None
        or batch.finished
        or batch.requested_at <= timezone.now() - STALE_BATCH,
    }


@login_required
def letters_page(request, community, round):
    """The secretariat issues the final decision's letters, follows the task's progress,
    downloads the ZIP; sees the money left and opens an extra round with it."""
    round_ = _round_or_404(round)
    if not rules.can_manage_committee(request.user, round_):
        raise Http404
    context = _letters_context(request, round_)
    if request.htmx:
        return render(request, "komite/_letter_batch.html", context)
    final = decisions.final_decision(round_)
    extra_form = ExtraRoundForm(
        request.POST if request.method == "POST" else None,
        initial={"name": _("%(round)s, extra round") % {"round": round_}},
    )
    if extra_form.is_bound and extra_form.is_valid():
        try:
            extra = decisions.extra_round_open(
                round_=round_,
                by=request.user,
                name=extra_form.cleaned_data["name"],
                opens_at=extra_form.cleaned_data["opens_at"],
                closes_at=extra_form.cleaned_data["closes_at"],
            )
        except ValidationError as error:
            for message in error.messages:
                extra_form.add_error(None, message)
        else:
            messages.success(
                request, _("The extra round “%(round)s” is created.") % {"round": extra}
            )
            return redirect(request.path)
    items = letters.letter_items(round_)
    issued = set(DecisionLetter.objects.filter(item__in=items).values_list("item_id", flat=True))
    return render(
        request,
        "komite/letters.html",
        {
            **context,
            "final": final,
            "items": [(item, item.pk in issued) for item in items],
            "money_left": decisions.money_left(round_),
            "extra_rounds": list(round_.extra_rounds.all()),
            "extra_form": extra_form,
            "error_list": error_list(extra_form) if extra_form.is_bound else [],
        },
    )


@login_required
@require_POST
def letters_issue(request, community, round):
    round_ = _round_or_404(round)
    if not rules.can_manage_committee(request.user, round_):
        raise Http404
    if decisions.final_decision(round_) is None:
        messages.error(request, _("The final decision has not been recorded yet."))
        return redirect("komite:letters", community=community, round=round_.pk)
    # One batch at a time; one that has not finished in a quarter of an hour (a worker that
    # died) no longer blocks a new try, and letters already issued are not issued again.
    running = LetterBatch.objects.filter(
        round=round_,
        status__in=[LetterBatch.Status.WAITING, LetterBatch.Status.RUNNING],
        requested_at__gt=timezone.now() - STALE_BATCH,
    ).exists()
    if not running:
        with transaction.atomic():
            batch = LetterBatch.objects.create(round=round_, requested_by=request.user)
            letters.letters_issue.delay_on_commit(request.community.pk, batch.pk)
    return redirect("komite:letters", community=community, round=round_.pk)


@login_required
def letters_zip(request, community, round, batch):
    round_ = _round_or_404(round)
    if not rules.can_manage_committee(request.user, round_):
        raise Http404
    batch = LetterBatch.objects.filter(
        round=round_, pk=batch, status=LetterBatch.Status.DONE
    ).first()
    if batch is None or not batch.file:
        raise Http404
    try:
        archive = batch.file.open("rb")
    except FileNotFoundError:
        log.error("The ZIP of letter batch %s is missing: %s", batch.pk, batch.file.name)
        messages.error(
            request,
            _(
                "The ZIP of the letters is no longer on the server. Make it again: letters "
                "already issued are not issued again."
            ),
        )
        return redirect("komite:letters", community=community, round=round_.pk)
    response = FileResponse(archive, content_type="application/zip")
    response["Content-Disposition"] = attachment(letters.zip_filename(round_))
    return response


@login_required
def letter(request, community, application):
    """One decision letter: as issued, for the applicants, the secretariat and the decision
    body; before it is issued, a preview for the secretariat."""
    item = (
        DecisionItem.objects.filter(
            application_id=application, decision__status=Decision.Status.RECORDED
        )
        .select_related(
            "decision__round__scheme__community",
            "application__round__scheme",
            "application__owner",
            "application__responsible_organisation",
        )
        .order_by("-decision__stage")
        .first()
    )
    if item is None or not item.decision.is_final:
        raise Http404
    app = item.application
    round_ = app.round
    secretariat = rules.can_manage_committee(request.user, round_)
    if not (
        application_rules.can_view(request.user, app)
        or rules.can_record_decision(request.user, round_)
    ):
        raise Http404
    issued = DecisionLetter.objects.filter(item=item).first()
    if issued is not None:
        try:
            pdf = issued.file.open("rb")
        except FileNotFoundError:  # the issued letter is the record: someone must restore it
            log.error("Issued decision letter %s is missing: %s", issued.pk, issued.file.name)
            raise Http404 from None
        response = FileResponse(pdf, content_type="application/pdf")
    else:
        if not secretariat:
            raise Http404
        # The preview names the person looking as caseworker: it is they who would issue it.
        pdf = letters.letter_pdf(item, issued_on=timezone.localdate(), by=request.user)
        response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = attachment(letters.letter_filename(item))
    return response


def case_section(user, application) -> dict | None:
    """The decision and its letter on the application's case page, once the letter is
    issued."""
    if application.status not in (Application.Status.GRANTED, Application.Status.NOT_GRANTED):
        return None
    issued = DecisionLetter.objects.filter(application=application).select_related("item").first()
    if issued is None:
        return None
    return {
        "template": "komite/_case_decision.html",
        "letter": issued,
        "item": issued.item,
        "url": reverse(
            "komite:letter",
            kwargs={"community": application.community.slug, "application": application.pk},
        ),
    }


class LetterPreviewView(CommunityRoleRequiredMixin, CommunityPageView):
    """The rules pages' preview of the decision letters: what the community's letter texts
    say, with links to a grant and a refusal as PDF."""

    required_role = Role.SECRETARIAT
    template_name = "komite/letter_preview.html"


# The addresses are bokmål, as all of Tilskot's are.
PREVIEW_KINDS = {"innvilget": True, "avslag": False}


def letter_preview_pdf(request, community, kind):
    """A grant or a refusal with the letter texts as they are now (nothing saved)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not has_role(request.user, request.community, Role.SECRETARIAT):
        raise PermissionDenied
    if kind not in PREVIEW_KINDS:
        raise Http404
    try:
        pdf = letters.preview_pdf(request.community, granted=PREVIEW_KINDS[kind], by=request.user)
    except Scheme.DoesNotExist:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    # Shown in the browser's own PDF viewer beside the rules page, not saved.
    response["Content-Disposition"] = f'inline; filename="vedtaksbrev-{kind}.pdf"'
    return response
