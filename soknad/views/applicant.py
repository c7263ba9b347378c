"""The applicant's journey: start a draft, fill in the steps, invite co-applicants, submit.

Nothing typed is lost: a step saves every valid field even when others fail, keeps the raw
input of a failed step until it is saved (``Application.pending_input``), and a POST that
arrives after the session expired is kept in the new session and shown again after log-in.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from tilskot.models import Round, User
from tilskot.selectors import round_basic

from .. import representation, rules, services
from ..forms import (
    AnswersForm,
    BasicsForm,
    BudgetFormSet,
    ContentForm,
    CostGainFormSet,
    InviteForm,
    PartiesForm,
    WithdrawForm,
)
from ..models import Application, Invitation
from ..selectors import applications_of
from .common import application_or_404

STASH = "tilskot:unsent-input"


def _querydict(data: dict[str, list[str]]) -> QueryDict:
    result = QueryDict(mutable=True)
    for key, values in data.items():
        result.setlist(key, values)
    return result


def _step_url(application: Application, step: str) -> str:
    return reverse(
        "soknad:step",
        kwargs={
            "community": application.community.slug,
            "application": application.pk,
            "step": step,
        },
    )


def _next_step(step: str) -> str:
    index = rules.STEP_KEYS.index(step)
    return rules.STEP_KEYS[min(index + 1, len(rules.STEP_KEYS) - 1)]


class StepForms:
    """The forms of one step, bound to ``data`` or showing the saved application."""

    def __init__(self, step: str, application: Application, data=None, files=None):
        self.step = step
        self.application = application
        scheme = application.round.scheme
        self.form = None
        self.formset = None
        if step == "basics":
            self.form = BasicsForm(data, instance=application)
        elif step == "parties":
            self.form = PartiesForm(data, files, instance=application, scheme=scheme)
        elif step == "content":
            self.form = ContentForm(data, instance=application, scheme=scheme)
        elif step == "criteria":
            self.form = AnswersForm(data, application=application)
        elif step == "budget":
            self.formset = BudgetFormSet(data, instance=application, prefix="budget")
        elif step == "costs":
            self.formset = CostGainFormSet(data, instance=application, prefix="costs")

    @property
    def is_bound(self) -> bool:
        return bool((self.form and self.form.is_bound) or (self.formset and self.formset.is_bound))

    def save(self, user) -> bool:
        """Save what is valid; True if everything was."""
        app = self.application
        if self.formset is not None:
            if not self.formset.is_valid():
                return False
            services.lines_save(application=app, user=user, step=self.step, formset=self.formset)
            return True
        form = self.form
        valid = form.is_valid()
        if self.step == "criteria":
            services.answers_save(
                application=app,
                user=user,
                criteria=form.criterion_answers(),
                questions=form.question_answers(),
            )
            return valid
        fields, m2m = {}, {}
        for name, value in form.cleaned_data.items():
            if name == "agreement":
                continue
            if name in ("partners", "priority_areas"):
                m2m[name] = value
            else:
                fields[name] = value
        services.application_save_step(
            application=app, user=user, step=self.step, fields=fields, m2m=m2m
        )
        upload = form.cleaned_data.get("agreement")
        if upload:
            services.document_add(application=app, user=user, upload=upload)
        return valid

    def errors(self) -> list[tuple[str, str]]:
        """(field id, message) for the error summary at the top of the page."""
        found = []
        if self.form is not None and self.form.is_bound:
            for error in self.form.non_field_errors():
                found.append(("", error))
            for name, errors in self.form.errors.items():
                if name == "__all__":
                    continue
                for error in errors:
                    found.append(
                        (self.form[name].id_for_label or "", f"{self.form[name].label}: {error}")
                    )
        if self.formset is not None and self.formset.is_bound:
            for error in self.formset.non_form_errors():
                found.append(("", error))
            for index, form in enumerate(self.formset.forms, start=1):
                for name, errors in form.errors.items():
                    for error in errors:
                        field_id = form[name].id_for_label if name != "__all__" else ""
                        label = form[name].label if name != "__all__" else ""
                        found.append(
                            (
                                field_id or "",
                                _("Line %(n)s, %(label)s: %(error)s")
                                % {"n": index, "label": label, "error": error},
                            )
                        )
        return found


class StepView(View):
    template_name = "soknad/step.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":
                # The session expired while the person typed: keep the input for after log-in.
                stash = request.session.get(STASH, {})
                stash[request.path] = {
                    k: request.POST.getlist(k) for k in request.POST if k != "csrfmiddlewaretoken"
                }
                request.session[STASH] = stash
            return redirect_to_login(request.get_full_path())
        if kwargs["step"] not in rules.STEP_KEYS:
            raise Http404
        # A save needs only the row: its steps read what they change, and a successful save
        # redirects. A page (or a save with errors, below) loads the content it shows; the
        # case log is the case view's.
        self.application = application_or_404(
            request,
            kwargs["application"],
            with_content=request.method != "POST",
            with_case=False,
        )
        if not rules.can_edit_step(request.user, self.application, kwargs["step"]):
            messages.info(request, _("This part of the application cannot be changed now."))
            return redirect(self.application.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *, step, **kwargs):
        application = self.application
        unsent = request.session.get(STASH, {}).pop(request.path, None)
        if unsent is not None:
            request.session.modified = True
            messages.warning(
                request,
                _(
                    "You were logged out before your last changes were "
                    "saved. They are filled in below: check them and save."
                ),
            )
            forms = StepForms(step, application, data=_querydict(unsent))
        elif step in application.pending_input:
            messages.warning(
                request,
                _(
                    "Some of what you typed here last time had errors and "
                    "is not saved yet. Correct it and save."
                ),
            )
            forms = StepForms(step, application, data=_querydict(application.pending_input[step]))
        else:
            forms = StepForms(step, application)
        return self.render(request, step, forms)

    def post(self, request, *, step, **kwargs):
        application = self.application
        if step == "review":
            return redirect(_step_url(application, step))
        forms = StepForms(step, application, data=request.POST, files=request.FILES)
        try:
            ok = forms.save(request.user)
        except ValidationError as error:  # e.g. the upload's content was refused
            forms.form.add_error("agreement", error)
            ok = False
        if not ok:
            services.pending_input_set(
                application=application, user=request.user, step=step, data=request.POST
            )
            messages.error(
                request, _("Some fields need correcting. Everything else you typed is saved.")
            )
            self.application = application_or_404(request, application.pk, with_case=False)
            return self.render(request, step, forms, status=200)
        services.pending_input_clear(application=application, step=step)
        messages.success(request, _("Saved."))
        target = _next_step(step) if "save_next" in request.POST else step
        return redirect(_step_url(application, target))

    def render(self, request, step, forms: StepForms, status: int = 200, **extra):
        application = self.application
        missing = rules.application_missing(application)
        missing_steps = {m.step for m in missing}
        # Who may sign is shown where it is decided: on the step that submits.
        signing = rules.application_signing(request.user, application) if step == "review" else None
        context = {
            "community": request.community,
            "application": application,
            "step": step,
            "step_title": dict(rules.STEPS)[step],
            "steps": [
                {
                    "key": key,
                    "title": title,
                    "url": _step_url(application, key),
                    "done": key not in missing_steps and rules.step_started(application, key),
                    "current": key == step,
                    "editable": rules.can_edit_step(request.user, application, key),
                }
                for key, title in rules.STEPS
            ],
            "forms": forms,
            "form": forms.form,
            "formset": forms.formset,
            "error_list": forms.errors() if forms.is_bound else [],
            "missing": missing,
            "warnings": rules.application_warnings(application),
            "totals": rules.budget_totals(application),
            "invite_form": extra.pop("invite_form", InviteForm()),
            "invitations": application.invitations.all(),
            "agreements": application.documents.all(),
            "signing": signing,
            "can_submit": not missing
            and (signing is None or signing.ok)
            and rules.accepts_submission(application),
            "round_open": rules.accepts_submission(application),
            **extra,
        }
        return render(request, self.template_name, context, status=status)


@login_required
@require_POST
def start(request, community, round):
    round_ = round_basic(pk=round)
    if round_ is None:
        raise Http404
    try:
        application = services.application_create(round_=round_, user=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(round_.get_absolute_url())
    messages.success(request, _("Your draft is created. It is saved as you go."))
    return redirect(_step_url(application, "basics"))


@login_required
@require_POST
def submit(request, community, application):
    app = application_or_404(request, application, rules.is_applicant_of)
    try:
        submission = services.application_submit(application=app, user=request.user)
    except services.SubmissionRefusedError as refused:
        for message in refused.messages:
            messages.error(request, message)
        return redirect(_step_url(app, "review"))
    return redirect(
        reverse(
            "soknad:receipt",
            kwargs={"community": community, "application": app.pk, "number": submission.number},
        )
    )


@login_required
def receipt(request, community, application, number):
    app = application_or_404(request, application, rules.is_applicant_of, with_content=False)
    submission = app.submissions.filter(number=number).first()
    if submission is None:
        raise Http404
    return render(
        request,
        "soknad/receipt.html",
        {
            "community": request.community,
            "application": app,
            "submission": submission,
            "recipients": services.applicant_emails(app),
        },
    )


@login_required
@require_POST
def signature_request(request, community, application):
    """ "Ask <name> to sign": the signer becomes co-applicant and gets an e-mail."""
    app = application_or_404(request, application, rules.is_applicant_of, with_content=False)
    back = (
        _step_url(app, "review") if request.POST.get("back") == "review" else app.get_absolute_url()
    )
    pk = request.POST.get("signer", "")
    signer = (
        User.objects.filter(pk=pk, is_active=True).first()
        if pk.isascii() and pk.isdigit()
        else None
    )
    if signer is None:
        messages.error(request, _("Choose whom to ask to sign."))
        return redirect(back)
    try:
        representation.signature_request(application=app, by=request.user, signer=signer)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    except PermissionDenied:
        messages.error(request, _("The application cannot be changed now."))
    else:
        messages.success(
            request,
            _("%(name)s is asked to sign, by e-mail, and can now open the application.")
            % {"name": signer},
        )
    return redirect(back)


@login_required
@require_POST
def invite(request, community, application):
    app = application_or_404(request, application, rules.is_applicant_of)
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_create(
                application=app, by=request.user, email=form.cleaned_data["email"]
            )
        except ValidationError as error:
            form.add_error("email", error)
    if form.errors:
        view = StepView()
        view.application = app
        view.request = request
        return view.render(request, "parties", StepForms("parties", app), invite_form=form)
    messages.success(
        request, _("The invitation is sent to %(email)s.") % {"email": form.cleaned_data["email"]}
    )
    return redirect(_step_url(app, "parties"))


def accept_invitation(request, community, token):
    """The invitation (its link is the secret): one who is not logged in reads what it is and
    logs in, or registers with the invited address, and comes back here to accept it."""
    invitation = Invitation.objects.select_related("application__round").filter(token=token).first()
    if invitation is None:
        raise Http404
    if not request.user.is_authenticated and request.method == "POST":
        return redirect_to_login(request.get_full_path())
    error = None
    if request.method == "POST":
        try:
            app = services.invitation_accept(invitation=invitation, user=request.user)
        except ValidationError as refused:
            error = refused.messages[0]
        else:
            messages.success(request, _("You are now co-applicant and can edit the application."))
            return redirect(_step_url(app, "basics"))
    return render(
        request,
        "soknad/invitation.html",
        {
            "community": request.community,
            "invitation": invitation,
            "error": error,
            "login_url": f"{reverse('account_login')}?{urlencode({'next': request.path})}",
            "register_url": f"{reverse('account_signup')}?"
            + urlencode({"next": request.path, "email": invitation.email}),
        },
    )


@login_required
@require_POST
def withdraw(request, community, application):
    app = application_or_404(request, application, rules.is_applicant_of)
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.application_withdraw(
            application=app, user=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The application is withdrawn."))
    return redirect(app.get_absolute_url())


@login_required
def mine(request, community):
    return render(
        request,
        "soknad/mine.html",
        {
            "community": request.community,
            "applications": applications_of(request.user),
            "open_rounds": Round.objects.open_at(timezone.now()).select_related("scheme"),
        },
    )
