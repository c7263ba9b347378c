"""The rules pages, section by section."""

from __future__ import annotations

from django.db.models import Count, Q
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import rules_forms as rf
from ..models import (
    CommitteeSeat,
    Community,
    Organisation,
    PriorityArea,
    Round,
    Scheme,
)
from ..onboarding import national_priorities_set
from ..rules import RULES_PAGES, criteria_locked
from ..views import CommunityPageView
from .common import (
    FormPageView,
    FormSetPageView,
    RulesMixin,
    delete_or_refuse,
)


class RulesIndexView(RulesMixin, CommunityPageView):
    """Every section of the rules, each with what it holds now, and the pages stages add."""

    template_name = "tilskot/rules/index.html"
    title = gettext_lazy("The community's rules")

    def get_context_data(self, **kwargs):
        community = self.request.community
        schemes = Scheme.objects.annotate(
            criteria_count=Count("criteria", distinct=True),
            national_count=Count(
                "priority_areas",
                filter=Q(priority_areas__kind=PriorityArea.Kind.NATIONAL),
                distinct=True,
            ),
            area_count=Count(
                "priority_areas",
                filter=Q(priority_areas__kind=PriorityArea.Kind.COMMUNITY),
                distinct=True,
            ),
            question_count=Count("questions", distinct=True),
            report_question_count=Count("report_questions", distinct=True),
            funding_count=Count("fundings", distinct=True),
            round_count=Count("rounds", distinct=True),
        )
        schemes = [(scheme, criteria_locked(scheme)) for scheme in schemes]
        seats = list(CommitteeSeat.objects.all())
        pages = []
        for page in RULES_PAGES:
            try:
                url = reverse(page.url_name, kwargs={"community": community.slug})
            except NoReverseMatch:
                continue
            pages.append((page, url))
        letter_texts = sum(
            bool(text.strip())
            for text in (
                community.letter_greeting,
                community.letter_contact_text,
                community.letter_grant_text,
                community.letter_refusal_text,
            )
        )
        return super().get_context_data(
            schemes=schemes,
            organisation_count=Organisation.objects.count(),
            seat_count=sum(seat.count for seat in seats),
            seat_kinds=len(seats),
            letter_texts=letter_texts,
            pages=pages,
            **kwargs,
        )


class CommunityRulesView(FormPageView):
    title = gettext_lazy("The community")
    form_class = rf.CommunityForm
    multipart = True
    drafts_note = gettext_lazy(
        "A change applies at once to the community's pages, e-mails and the letters issued from "
        "now on. Drafts and submitted applications are not changed: what applicants have written "
        "is kept. Letters already issued keep the text they were issued with."
    )

    def get_instance(self):
        return Community.objects.get(pk=self.request.community.pk)


class LettersRulesView(FormPageView):
    title = gettext_lazy("The letters' texts")
    form_class = rf.LettersForm
    template_name = "tilskot/rules/letters.html"
    drafts_note = gettext_lazy(
        "The texts are used in the decision letters issued from now on; letters already issued "
        "are kept as they were. Applications and drafts are not changed."
    )

    def get_instance(self):
        return Community.objects.get(pk=self.request.community.pk)


class SchemeRulesView(FormPageView):
    title = gettext_lazy("What an application must contain")
    form_class = rf.SchemeForm
    drafts_note = gettext_lazy(
        "A change applies at once to every draft in the scheme's open rounds: what applicants "
        "have written is kept, and a requirement you add must be met before a draft can be "
        "submitted. Applications already submitted keep what they were submitted with."
    )

    def get_instance(self):
        return self.scheme


class SchemeAddView(FormPageView):
    title = gettext_lazy("New grant scheme")
    form_class = rf.SchemeForm
    success_message = gettext_lazy("The grant scheme is added.")
    drafts_note = gettext_lazy(
        "A community normally has one grant scheme. A new one has no criteria, questions or "
        "rounds until you add them."
    )

    def get_instance(self):
        return Scheme(community=self.request.community)

    def success_url(self, instance) -> str:
        return reverse(
            "rules_scheme", kwargs={"community": self.request.community.slug, "scheme": instance.pk}
        )


class OrganisationsView(RulesMixin, CommunityPageView):
    template_name = "tilskot/rules/organisations.html"
    title = gettext_lazy("Member organisations")

    def get_context_data(self, **kwargs):
        try:
            import_url = reverse(
                "rules_organisations_import", kwargs={"community": self.request.community.slug}
            )
        except NoReverseMatch:
            import_url = ""
        return super().get_context_data(
            organisations=Organisation.objects.select_related("parent"),
            import_url=import_url,
            **kwargs,
        )


class OrganisationView(FormPageView):
    """One member organisation: edit it, or delete it where nothing refers to it."""

    form_class = rf.OrganisationForm
    template_name = "tilskot/rules/organisation.html"
    drafts_note = gettext_lazy(
        "A new organisation can be chosen at once in every draft; a changed name or address "
        "shows in drafts and in the letters issued from now on. An organisation that an "
        "application, a person or a grant refers to cannot be deleted."
    )

    @property
    def title(self):
        if "organisation" in self.kwargs:
            return _("Member organisation")
        return _("New member organisation")

    @cached_property
    def organisation(self) -> Organisation:
        if "organisation" not in self.kwargs:
            return Organisation(community=self.request.community)
        organisation = Organisation.objects.filter(pk=self.kwargs["organisation"]).first()
        if organisation is None:
            raise Http404
        return organisation

    def get_instance(self):
        return self.organisation

    def success_url(self, instance) -> str:
        return reverse("rules_organisations", kwargs={"community": self.request.community.slug})

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "delete" and self.organisation.pk:
            return delete_or_refuse(request, self.organisation, self.success_url(None))
        return super().post(request, *args, **kwargs)


class CriteriaView(FormSetPageView):
    title = gettext_lazy("Assessment criteria")
    formset_class = rf.CriterionFormSet
    intro = gettext_lazy(
        "What the committee assesses each application by. A scored criterion has a scale from "
        "the lowest to the highest score; say what the two ends mean. A check is met or not met."
    )
    drafts_note = gettext_lazy(
        "A new criterion appears at once in every draft, where applicants say how the project "
        "meets it; a changed wording shows in drafts. A criterion that applications have "
        "answered or members have scored cannot be deleted: its answers are kept. Once scoring "
        "has begun in one of the scheme's rounds, the criteria and their scales are locked."
    )

    def locked(self) -> str:
        return str(criteria_locked(self.scheme) or "")


class PriorityAreasView(FormSetPageView):
    title = gettext_lazy("Priority areas")
    formset_class = rf.PriorityAreaFormSet
    template_name = "tilskot/rules/priorities.html"
    intro = gettext_lazy(
        "The community's own priority areas, beside the national ones. Applicants say which "
        "areas their project serves."
    )
    drafts_note = gettext_lazy(
        "A new area can be chosen at once in every draft; a changed name shows in the drafts "
        "and applications that chose it. An area that applications have chosen cannot be "
        "deleted: their choices are kept."
    )

    def national_areas(self):
        return PriorityArea.objects.filter(scheme=self.scheme, kind=PriorityArea.Kind.NATIONAL)

    def extra_forms(self, data=None) -> dict:
        return {
            "national": rf.NationalPrioritiesForm(
                data,
                prefix="national",
                initial={"national": self.national_areas().exists()},
            )
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(national_areas=self.national_areas(), **kwargs)

    def save_extra(self, extra: dict) -> None:
        form = extra["national"]
        include = form.cleaned_data["national"]
        if include == self.national_areas().exists():
            return
        national_priorities_set(
            scheme=self.scheme, include=include, language=self.request.community.language
        )


class QuestionsView(FormSetPageView):
    title = gettext_lazy("The application's own questions")
    formset_class = rf.QuestionFormSet
    intro = gettext_lazy(
        "Questions of the community's own that every application answers, beside the parts "
        "every application has (project, parties, budget, criteria)."
    )
    drafts_note = gettext_lazy(
        "A new question appears at once in every draft and must be answered before submitting "
        "(if it is required); a changed wording shows in drafts. A question that applications "
        "have answered cannot be deleted: its answers are kept. Applications already submitted "
        "keep the questions they were submitted with."
    )


class ReportQuestionsView(FormSetPageView):
    title = gettext_lazy("Final report questions")
    formset_class = rf.ReportQuestionFormSet
    intro = gettext_lazy(
        "Questions of the community's own in the final report, beside the fixed parts (what "
        "was done, effect, money spent, continued operation, learning points)."
    )
    drafts_note = gettext_lazy(
        "A new question appears at once in every final report not yet submitted; a changed "
        "wording shows there too. A question that reports have answered cannot be deleted: its "
        "answers are kept."
    )


class FundingsView(FormSetPageView):
    title = gettext_lazy("Funding")
    formset_class = rf.FundingFormSet
    intro = gettext_lazy("The money the scheme has received, per year, and from whom.")
    drafts_note = gettext_lazy(
        "Shown in the status report for the regional health authority. Applications and drafts "
        "are not changed."
    )


class CommitteeView(FormSetPageView):
    title = gettext_lazy("Committee composition")
    formset_class = rf.CommitteeSeatFormSet
    intro = gettext_lazy(
        "The seats on the community's assessing committee and how many hold each; the "
        "community's page shows them."
    )
    drafts_note = gettext_lazy(
        "Applications and drafts are not changed. A seat that members of a round's committee "
        "hold cannot be deleted."
    )

    def parent(self):
        return Community.objects.get(pk=self.request.community.pk)


class RoundsView(RulesMixin, CommunityPageView):
    template_name = "tilskot/rules/rounds.html"
    title = gettext_lazy("Rounds")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            rounds=Round.objects.filter(scheme=self.scheme)
            .select_related("money_from")
            .order_by("-closes_at"),
            **kwargs,
        )


class RoundRulesView(FormPageView):
    form_class = rf.RoundForm
    template_name = "tilskot/rules/round.html"
    drafts_note = gettext_lazy(
        "Times are Norwegian time (Europe/Oslo). A change applies at once: drafts can be "
        "submitted until the new deadline, and what applicants have written is never lost. A "
        "lower maximum per application applies to drafts when they are submitted. A round that "
        "has applications cannot be deleted."
    )

    @property
    def title(self):
        return _("Round") if "round" in self.kwargs else _("New round")

    @cached_property
    def round(self) -> Round:
        if "round" not in self.kwargs:
            return Round(scheme=self.scheme)
        round_ = Round.objects.select_related("scheme").filter(pk=self.kwargs["round"]).first()
        if round_ is None:
            raise Http404
        return round_

    @cached_property
    def scheme(self) -> Scheme | None:
        """The scheme of the URL (a new round), or the round's own."""
        if "round" in self.kwargs:
            return self.round.scheme
        return super().scheme

    def get_instance(self):
        return self.round

    def success_url(self, instance) -> str:
        return reverse("rules_rounds", kwargs=self.url_kwargs())

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "delete" and self.round.pk:
            return delete_or_refuse(request, self.round, self.success_url(None))
        return super().post(request, *args, **kwargs)
