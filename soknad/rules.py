"""Who may do what with an application, and what a complete application contains.

Small named predicates (pretalx-style), one place for each rule. What is *required* comes from
the community's scheme as data (partner rule, anchoring, criteria, questions, the round's
maximum); nothing here branches on which community it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_user_perms

from tilskot.models import Criterion, Organisation, Round
from tilskot.roles import Role, has_role

from .models import Affiliation, Application, Document

COAPPLY = "soknad.coapply_application"
COAPPLICANT_CACHE = "_tilskot_coapplicant"

# The steps of the application form, in order: (key, title). Each missing item names its step.
STEPS: list[tuple[str, str]] = [
    ("basics", _("The measure")),
    ("parties", _("Parties and agreement")),
    ("content", _("Content and plans")),
    ("criteria", _("Criteria and questions")),
    ("budget", _("Budget")),
    ("costs", _("Costs and gains")),
    ("review", _("Review and submit")),
]
STEP_KEYS = [key for key, _title in STEPS]


# --- permissions -------------------------------------------------------------------------------


def is_applicant_of(user, application: Application) -> bool:
    """The responsible applicant or an accepted co-applicant."""
    if not user.is_authenticated:
        return False
    if application.owner_id == user.pk:
        return True
    # A co-applicant accepted an invitation (prefetched on the case view: no query) and holds
    # the guardian permission given then, to the person, never a group (one query, once per
    # request).
    cache = user.__dict__.setdefault(COAPPLICANT_CACHE, {})
    if application.pk not in cache:
        cache[application.pk] = any(
            i.accepted_by_id == user.pk for i in application.invitations.all()
        ) and COAPPLY.split(".")[1] in get_user_perms(user, application)
    return cache[application.pk]


def is_private(application: Application) -> bool:
    """A draft that was never submitted, and its files, are the applicants' alone: nobody else
    sees it, staff included (withdrawn before it was sent, it stays so)."""
    status = Application.Status
    return application.status == status.DRAFT or (
        application.status == status.WITHDRAWN and application.submitted_at is None
    )


def can_view(user, application: Application) -> bool:
    if is_applicant_of(user, application):
        return True
    return not is_private(application) and has_role(user, application.community, Role.SECRETARIAT)


# Later stages may let more people read an application and its files (a committee member who
# has declared no conflict): they register a predicate here, so this app imports none of them.
READERS: list[Callable[[object, Application], bool]] = []


def register_reader(predicate: Callable[[object, Application], bool]):
    if predicate not in READERS:
        READERS.append(predicate)
    return predicate


def can_read(user, application: Application) -> bool:
    """May see the application's content and files (not necessarily its case page)."""
    return can_view(user, application) or any(reader(user, application) for reader in READERS)


# Later stages add sections to an application's case page (the decision and its letter): each
# registers ``section(user, application) -> dict | None``; a dict names its ``template`` and
# carries the template's context.
CASE_SECTIONS: list[Callable[[object, Application], dict | None]] = []


def register_case_section(section: Callable[[object, Application], dict | None]):
    if section not in CASE_SECTIONS:
        CASE_SECTIONS.append(section)
    return section


def case_sections(user, application: Application) -> list[dict]:
    return [s for section in CASE_SECTIONS if (s := section(user, application)) is not None]


# Later stages may close the screening of an application (once the committee's recommendation
# is sent, the secretariat no longer marks complete, asks for more or rejects): each registers
# ``closer(application) -> str``, the reason, or "" while screening is open.
SCREENING_CLOSERS: list[Callable[[Application], str]] = []


def register_screening_closer(closer: Callable[[Application], str]):
    if closer not in SCREENING_CLOSERS:
        SCREENING_CLOSERS.append(closer)
    return closer


def screening_closed(application: Application) -> str:
    """Why the secretariat can no longer screen ``application``, or "" if it can."""
    return next((reason for closer in SCREENING_CLOSERS if (reason := closer(application))), "")


def can_edit_step(user, application: Application, step: str) -> bool:
    """Applicants edit a draft; after the secretariat asks for more information, only the steps
    it named."""
    if not is_applicant_of(user, application):
        return False
    if application.status == Application.Status.DRAFT:
        return True
    if application.status == Application.Status.MORE_INFO:
        return step in application.more_info_steps or step == "review"
    return False


def can_screen(user, application: Application) -> bool:
    return not is_private(application) and has_role(user, application.community, Role.SECRETARIAT)


def can_withdraw(user, application: Application) -> bool:
    return application.owner_id == user.pk and application.status in (
        Application.Status.DRAFT,
        Application.Status.SUBMITTED,
        Application.Status.MORE_INFO,
        Application.Status.COMPLETE,
    )


# --- representation: who may act for an organisation ---------------------------------------------
#
# A person's affiliation is unverified until an admin of the organisation, the secretariat or the
# identity provider confirms it; confirmed, they are its writer or its signer. Submitting an
# application for the responsible organisation, accepting a grant and registering an invoice bind
# the organisation: where the scheme requires a signer (``Scheme.requires_signer``, the default)
# only a confirmed signer does them; where it does not, any confirmed person (writer or signer)
# does. An unverified person never binds an organisation, and writes drafts all the same.


def may_sign_for(user, organisation: Organisation, scheme=None) -> bool:
    """Whether ``user`` may bind ``organisation``: a confirmed signer, or, under a ``scheme``
    that requires no signer, anyone confirmed as working for it."""
    if not user.is_authenticated or organisation is None:
        return False
    confirmed = Affiliation.objects.filter(
        user=user, organisation=organisation, status=Affiliation.Status.CONFIRMED
    )
    if scheme is None or scheme.requires_signer:
        confirmed = confirmed.filter(capacity=Affiliation.Capacity.SIGNER)
    return confirmed.exists()


def signers_of(organisation: Organisation) -> list:
    """The people confirmed as signers for ``organisation``, by name."""
    return [
        a.user
        for a in Affiliation.objects.filter(
            organisation=organisation,
            status=Affiliation.Status.CONFIRMED,
            capacity=Affiliation.Capacity.SIGNER,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    ]


def admins_of(organisation: Organisation) -> list:
    """The organisation's admins (who confirm the people who work for it), by name."""
    return [
        a.user
        for a in Affiliation.objects.filter(
            organisation=organisation,
            status=Affiliation.Status.CONFIRMED,
            is_admin=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    ]


def is_organisation_admin(user, organisation: Organisation) -> bool:
    return (
        user.is_authenticated
        and Affiliation.objects.filter(
            user=user,
            organisation=organisation,
            status=Affiliation.Status.CONFIRMED,
            is_admin=True,
        ).exists()
    )


def can_manage_people(user, organisation: Organisation) -> bool:
    """Confirms the organisation's people, sets what they act as and who is its admin: an admin
    of that very organisation, or the community's secretariat."""
    return has_role(user, organisation.community, Role.SECRETARIAT) or is_organisation_admin(
        user, organisation
    )


def person_name(user) -> str:
    return user.get_full_name() or user.email


def names(users) -> str:
    return ", ".join(person_name(u) for u in users)


@dataclass(frozen=True)
class Signing:
    """Why ``user`` cannot bind the organisation (``reason``; "" when they can) and the
    people who can (``signers``, the user left out)."""

    organisation: Organisation
    reason: str
    signers: list

    @property
    def ok(self) -> bool:
        return not self.reason


def signing_for(user, organisation: Organisation, scheme) -> Signing:
    """What stands between ``user`` and binding ``organisation`` under ``scheme``, said as the
    person needs it: confirm the affiliation (and who can), or ask a signer (and whom)."""
    affiliation = (
        Affiliation.objects.filter(user=user, organisation=organisation).first()
        if user.is_authenticated
        else None
    )
    signers = [u for u in signers_of(organisation) if u.pk != user.pk]
    ask = (
        _("Ask one of: %(names)s.") % {"names": names(signers)}
        if signers
        else _("%(organisation)s has no confirmed signer in Tilskot yet.")
        % {"organisation": organisation}
    )
    if affiliation is None:
        reason = _(
            "You do not work for %(organisation)s according to your profile, so you cannot "
            "act for it. %(ask)s"
        ) % {"organisation": organisation, "ask": ask}
    elif not affiliation.is_confirmed:
        admins = [u for u in admins_of(organisation) if u.pk != user.pk]
        if admins:
            reason = _(
                "Your affiliation to %(organisation)s is not confirmed yet: an organisation "
                "admin (%(admins)s) or the secretariat can confirm it."
            ) % {"organisation": organisation, "admins": names(admins)}
        else:
            reason = _(
                "Your affiliation to %(organisation)s is not confirmed yet: the secretariat "
                "can confirm it."
            ) % {"organisation": organisation}
    elif scheme.requires_signer and not affiliation.is_signer:
        reason = _("You are not confirmed as a signer for %(organisation)s. %(ask)s") % {
            "organisation": organisation,
            "ask": ask,
        }
    else:
        reason = ""
    return Signing(organisation=organisation, reason=str(reason), signers=signers)


def application_signing(user, application: Application) -> Signing | None:
    """Whether ``user`` may submit ``application`` for its responsible organisation (None
    while none is chosen: ``application_missing`` says so)."""
    if application.responsible_organisation is None:
        return None
    return signing_for(user, application.responsible_organisation, application.round.scheme)


# --- the deadline ------------------------------------------------------------------------------


def round_accepts_submissions(round_: Round, moment: dt.datetime | None = None) -> bool:
    """Open from ``opens_at`` up to, not including, ``closes_at`` (both stored in UTC, entered
    and shown in Europe/Oslo time)."""
    return round_.status_at(moment or timezone.now()) == Round.Status.OPEN


def accepts_submission(application: Application, moment: dt.datetime | None = None) -> bool:
    """A first submission while the round is open. The answer to the secretariat's request for
    more information also after the deadline: it completes an application that came in time,
    and the round's recommendation waits until every application is screened
    (``komite.services.recommendation_save``), so the answer is never left undecided."""
    return application.status == Application.Status.MORE_INFO or round_accepts_submissions(
        application.round, moment
    )


# --- completeness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    step: str
    field: str
    message: str


@dataclass(frozen=True)
class BudgetTotals:
    requested: Decimal
    own_contribution: Decimal

    @property
    def total(self) -> Decimal:
        return self.requested + self.own_contribution


def budget_totals(application: Application) -> BudgetTotals:
    """Summed from the lines (prefetched on the case view, so no query there)."""
    lines = application.budget_lines.all()
    cents = Decimal("0.01")
    return BudgetTotals(
        sum((line.requested_amount for line in lines), Decimal(0)).quantize(cents),
        sum((line.own_contribution for line in lines), Decimal(0)).quantize(cents),
    )


def parties(application: Application) -> list[Organisation]:
    """The responsible organisation first, then the partners."""
    partners = list(application.partners.all())
    if application.responsible_organisation is None:
        return partners
    return [application.responsible_organisation] + [
        p for p in partners if p.pk != application.responsible_organisation_id
    ]


def organisations_related(a: Organisation, b: Organisation) -> bool:
    """The same organisation, or a hospital trust and one of its units."""
    return a.pk == b.pk or a.parent_id == b.pk or b.parent_id == a.pk


AFFILIATED_CACHE = "_tilskot_affiliated"


def _affiliated_organisations(user) -> list[Organisation]:
    """The organisations the person's profile ties them to, once per request: confirmed or
    not (a claim to work for a party is enough to stand aside)."""
    if AFFILIATED_CACHE not in user.__dict__:
        user.__dict__[AFFILIATED_CACHE] = [
            a.organisation
            for a in Affiliation.objects.filter(user=user).select_related("organisation")
        ]
    return user.__dict__[AFFILIATED_CACHE]


def party_reason(user, application: Application) -> str:
    """Why ``user`` is a party of ``application``, or "" if they are not.

    A party is disqualified from assessing and deciding it (forvaltningsloven § 6 a): its
    responsible applicant, everyone invited as co-applicant (accepted or not), and, where the
    community says so (``Community.affiliated_are_parties``), whoever works for the responsible
    applicant or a partner. Uses the prefetched invitations and partners where there are.
    """
    if not user.is_authenticated:
        return ""
    if application.owner_id == user.pk:
        return str(_("responsible applicant"))
    email = user.email.lower()
    invitations = application.invitations.all()
    if any(i.accepted_by_id == user.pk or i.email.lower() == email for i in invitations):
        return str(_("co-applicant"))
    if application.community.affiliated_are_parties:
        for organisation in _affiliated_organisations(user):
            party = next(
                (p for p in parties(application) if organisations_related(organisation, p)), None
            )
            if party is not None:
                return str(_("works for %(party)s") % {"party": party})
    return ""


# Later stages act when someone may have become a party of an application (a co-applicant
# accepts, a profile gains an organisation, a resubmission changes the partners): each registers
# ``handler(application=..., user=...)`` (either may be None) and rechecks what it holds.
PARTY_HANDLERS: list[Callable[..., None]] = []


def register_party_change(handler: Callable[..., None]):
    if handler not in PARTY_HANDLERS:
        PARTY_HANDLERS.append(handler)
    return handler


def parties_changed(*, application: Application | None = None, user=None) -> None:
    for handler in PARTY_HANDLERS:
        handler(application=application, user=user)


def step_started(application: Application, step: str) -> bool:
    """Whether anything has been entered in ``step``: a step with nothing missing counts as
    done only then (a new draft has nothing missing in its optional steps, but nothing done)."""
    if step == "basics":
        return bool(
            application.title.strip()
            or application.summary.strip()
            or application.description.strip()
            or application.period_start
        )
    if step == "parties":
        return application.responsible_organisation_id is not None or application.partners.exists()
    if step == "content":
        return any(getattr(application, field).strip() for field in Application.TEXT_FIELDS)
    if step == "criteria":
        return application.criterion_answers.exists() or application.question_answers.exists()
    if step == "budget":
        return application.budget_lines.exists()
    if step == "costs":
        return application.costs_gains.exists()
    return False


def application_missing(application: Application) -> list[Missing]:
    """Everything that stops ``application`` from being submitted, per step, in form order."""
    scheme = application.round.scheme
    missing: list[Missing] = []

    def need(step: str, field: str, message) -> None:
        missing.append(Missing(step, field, str(message)))

    # The measure
    for field, label in (
        ("title", _("Give the application a title.")),
        ("summary", _("Write a short summary.")),
        ("description", _("Describe the measure.")),
    ):
        if not getattr(application, field).strip():
            need("basics", field, label)
    if application.period_start is None or application.period_end is None:
        need("basics", "period_start", _("Give the period the measure runs (start and end)."))
    elif application.period_end < application.period_start:
        need("basics", "period_end", _("The period must end after it starts."))

    # Parties and agreement
    all_parties = parties(application)
    if application.responsible_organisation is None:
        need("parties", "responsible_organisation", _("Choose the responsible organisation."))
    kinds = {p.kind for p in all_parties}
    if scheme.requires_municipality_partner and Organisation.Kind.MUNICIPALITY not in kinds:
        need("parties", "partners", _("At least one municipality must take part."))
    if scheme.requires_hospital_partner and not kinds & {
        Organisation.Kind.HOSPITAL_TRUST,
        Organisation.Kind.HOSPITAL_UNIT,
    }:
        need("parties", "partners", _("The hospital trust or one of its units must take part."))
    if scheme.requires_documented_agreement and not any(
        d.kind == Document.Kind.AGREEMENT for d in application.documents.all()
    ):
        need("parties", "agreement", _("Upload the documented agreement between the parties."))
    if scheme.requires_anchoring and not (
        application.anchoring_name.strip() and application.anchoring_title.strip()
    ):
        need(
            "parties",
            "anchoring_name",
            _("Name the leader the application is anchored with, and their title."),
        )

    # Content
    if not application.priority_areas.all():
        need("content", "priority_areas", _("Choose at least one priority area."))
    for field, label in (
        ("method", _("Describe the method.")),
        ("user_involvement", _("Describe the user involvement.")),
        ("implementation_plan", _("Give the implementation plan.")),
        ("evaluation_plan", _("Give the evaluation plan.")),
        ("expected_benefit", _("Describe the expected benefit.")),
    ):
        if not getattr(application, field).strip():
            need("content", field, label)

    # Criteria and questions
    answers = {a.criterion_id: a.text.strip() for a in application.criterion_answers.all()}
    criteria = list(scheme.criteria.all())
    for criterion in criteria:
        if criterion.kind == Criterion.Kind.SCORED and not answers.get(criterion.pk):
            need(
                "criteria",
                f"criterion_{criterion.pk}",
                _("Explain how the measure meets “%(criterion)s”.")
                % {"criterion": criterion.title},
            )
    checks = [c for c in criteria if c.kind == Criterion.Kind.CHECK]
    if checks and scheme.min_checks_met:
        met = sum(1 for c in checks if answers.get(c.pk))
        if met < scheme.min_checks_met:
            need(
                "criteria",
                f"criterion_{checks[0].pk}",
                _("Explain how the measure meets at least %(count)s of the criteria.")
                % {"count": scheme.min_checks_met},
            )
    question_answers = {a.question_id: a for a in application.question_answers.all()}
    for question in scheme.questions.all():
        answer = question_answers.get(question.pk)
        answered = answer is not None and (answer.text.strip() or answer.yes is not None)
        if question.required and not answered:
            need(
                "criteria",
                f"question_{question.pk}",
                _("Answer the question “%(question)s”.") % {"question": question.text},
            )

    # Budget
    totals = budget_totals(application)
    if not application.budget_lines.all():
        need("budget", "budget", _("Add at least one budget line."))
    elif totals.requested <= 0:
        need("budget", "budget", _("The budget must ask for an amount from the grant."))
    max_amount = application.round.max_amount
    if max_amount is not None and totals.requested > max_amount:
        need(
            "budget",
            "budget",
            _(
                "The amount requested (%(requested)s kr) is more than the "
                "round's maximum of %(maximum)s kr."
            )
            % {
                "requested": f"{totals.requested:,.0f}".replace(",", " "),
                "maximum": f"{max_amount:,.0f}".replace(",", " "),
            },
        )
    return missing


def application_warnings(application: Application) -> list[str]:
    """Not errors, but what the applicant should know before submitting."""
    warnings = []
    scheme = application.round.scheme
    own = budget_totals(application).own_contribution
    if scheme.requires_own_contribution and application.budget_lines.all() and own <= 0:
        warnings.append(
            str(
                _(
                    "The budget shows no own contribution. The grant is part-financing: the "
                    "parties are expected to contribute staff, money, purchases or equipment "
                    "themselves."
                )
            )
        )
    return warnings
