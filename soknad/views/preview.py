"""The application form as applicants will see it, for the secretariat that sets its rules
(``/<community>/regler/soknadsskjema/``): every step's fields, from the scheme's data, drawn
by the same forms and templates as the applicant's steps, with nothing to save."""

from __future__ import annotations

from decimal import Decimal

from django.http import Http404

from tilskot.models import Round, Scheme
from tilskot.roles import Role
from tilskot.views import CommunityPageView, CommunityRoleRequiredMixin

from .. import rules
from ..models import Application
from .applicant import StepForms


class FormPreviewView(CommunityRoleRequiredMixin, CommunityPageView):
    required_role = Role.SECRETARIAT
    template_name = "soknad/form_preview.html"

    def scheme(self) -> Scheme:
        schemes = Scheme.objects.order_by("pk")
        wanted = self.request.GET.get("ordning", "")
        if wanted:
            scheme = schemes.filter(pk=wanted).first() if wanted.isdigit() else None
        else:
            scheme = schemes.first()
        if scheme is None:
            raise Http404
        return scheme

    def get_context_data(self, **kwargs):
        scheme = self.scheme()
        round_ = scheme.rounds.order_by("-closes_at").first() or Round(scheme=scheme)
        # Never saved: an application as a new draft looks, with the person previewing as its
        # owner (the steps read the round's scheme and the community's organisations).
        application = Application(round=round_, owner=self.request.user)
        steps = [
            {"key": key, "title": title, "forms": StepForms(key, application)}
            for key, title in rules.STEPS
            if key != "review"
        ]
        return super().get_context_data(
            scheme=scheme,
            schemes=Scheme.objects.order_by("pk"),
            steps=steps,
            totals=rules.BudgetTotals(Decimal(0), Decimal(0)),
            **kwargs,
        )
