from django import forms
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from tilskot.models import CommitteeSeat, Organisation, Round, User

PLACE_MAX = 9999  # a place in the ranking (stored as a small integer)


class AppointForm(forms.Form):
    """Appoint a person with an account in Tilskot to the round's committee."""

    email = forms.EmailField(label=_("E-mail address of the member"))
    seat = forms.ModelChoiceField(
        queryset=CommitteeSeat.objects.none(), required=False, label=_("Seat")
    )
    employer = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        label=_("Employed by"),
        help_text=_("Applications where this organisation is a party are flagged."),
    )

    def __init__(self, *args, round_: Round, **kwargs):
        super().__init__(*args, **kwargs)
        # Inside the request's community scope: only this community's seats and members. Each
        # seat says how many of its places the round's committee has filled.
        seats = CommitteeSeat.objects.annotate(
            taken=Count("members", filter=Q(members__round=round_))
        )
        if seats.exists():
            self.fields["seat"].queryset = seats
            self.fields["seat"].label_from_instance = lambda seat: (
                _("%(seat)s (%(taken)d of %(count)d taken)")
                % {"seat": seat.title, "taken": seat.taken, "count": seat.count}
            )
        else:  # no seats described (Nord's sources state none): no empty choice to offer
            del self.fields["seat"]
        self.fields["employer"].queryset = Organisation.objects.order_by("kind", "name")

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        self.user = User.objects.filter(email=email, is_active=True).first()
        if self.user is None:
            raise forms.ValidationError(
                _(
                    "Nobody with this e-mail address has an account in Tilskot. Ask them to "
                    "register first."
                )
            )
        return email


class ReviewForm(forms.Form):
    scoring_deadline = forms.DateTimeField(
        label=_("Scoring deadline"),
        help_text=_("Norwegian time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )


class DeclarationForm(forms.Form):
    CHOICES = [
        ("no", _("I have no conflict of interest in this application")),
        ("yes", _("I have a conflict of interest in this application")),
    ]
    conflict = forms.ChoiceField(
        label=_("Conflict of interest"), choices=CHOICES, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a conflict, and when you work for one of the parties."),
    )


class AssessmentForm(forms.Form):
    """One field per criterion of the community (a score on its scale, or met / not met for a
    check) with a comment, and the overall view."""

    MET = [("", _("Not answered")), ("yes", _("Met")), ("no", _("Not met"))]

    def __init__(self, *args, criteria, assessment=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        saved = {s.criterion_id: s for s in assessment.scores.all()} if assessment else {}
        for criterion in criteria:
            score = saved.get(criterion.pk)
            if criterion.kind == criterion.Kind.CHECK:
                initial = (
                    "" if score is None or score.met is None else ("yes" if score.met else "no")
                )
                self.fields[f"met_{criterion.pk}"] = forms.ChoiceField(
                    label=_("Met or not met"),  # the criterion's title is the group's legend
                    choices=self.MET,
                    required=False,
                    widget=forms.RadioSelect,
                    initial=initial,
                )
            else:
                choices = [("", _("Not scored"))] + [
                    (str(v), str(v)) for v in range(criterion.score_min, criterion.score_max + 1)
                ]
                self.fields[f"score_{criterion.pk}"] = forms.TypedChoiceField(
                    label=_("Score"),  # the criterion's title is the group's legend
                    # What the ends of the scale mean, in the community's words (its data).
                    help_text=criterion.scale_help,
                    choices=choices,
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect,
                    initial="" if score is None or score.value is None else str(score.value),
                )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Comment on “%(criterion)s”") % {"criterion": criterion.title},
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=score.comment if score else "",
            )
        self.fields["overall"] = forms.CharField(
            label=_("Overall view"),
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            initial=assessment.overall if assessment else "",
        )

    def by_criterion(self) -> list[tuple[object, list]]:
        """(criterion, its bound fields) in the community's order, for the template."""
        return [
            (
                c,
                [
                    self[n]
                    for n in (f"met_{c.pk}", f"score_{c.pk}", f"comment_{c.pk}")
                    if n in self.fields
                ],
            )
            for c in self.criteria
        ]

    def scores(self) -> dict[int, tuple[int | None, bool | None, str]]:
        data = self.cleaned_data
        result = {}
        for criterion in self.criteria:
            met = {"yes": True, "no": False}.get(data.get(f"met_{criterion.pk}"))
            value = data.get(f"score_{criterion.pk}")
            result[criterion.pk] = (value, met, data.get(f"comment_{criterion.pk}", ""))
        return result


class RecommendationForm(forms.Form):
    """For each complete application of the round: its place, grant or reject, the proposed
    amount and conditions, or the reason for rejection."""

    CHOICES = [("grant", _("Grant")), ("reject", _("Reject"))]

    def __init__(self, *args, applications, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.applications = applications
        for place, application in enumerate(applications, start=1):
            item = items.get(application.pk)
            pk = application.pk
            self.fields[f"order_{pk}"] = forms.IntegerField(
                label=_("Place"),
                min_value=1,
                max_value=PLACE_MAX,
                initial=item.order if item else place,
            )
            self.fields[f"decision_{pk}"] = forms.ChoiceField(
                label=_("Proposal"),
                choices=self.CHOICES,
                widget=forms.RadioSelect,
                initial=("grant" if item.grant else "reject") if item else None,
            )
            self.fields[f"amount_{pk}"] = forms.DecimalField(
                label=_("Amount (NOK)"),
                required=False,
                min_value=0,
                decimal_places=2,
                max_digits=14,
                initial=item.amount if item else None,
            )
            self.fields[f"conditions_{pk}"] = forms.CharField(
                label=_("Conditions"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=item.conditions if item else "",
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Reasons (for a rejection, or a grant of less than asked for)"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=item.reason if item else "",
            )

    def rows(self):
        return [
            (
                a,
                [
                    self[f"{n}_{a.pk}"]
                    for n in ("order", "decision", "amount", "conditions", "reason")
                ],
            )
            for a in self.applications
        ]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "application": a.pk,
                "order": data[f"order_{a.pk}"],
                "grant": data[f"decision_{a.pk}"] == "grant",
                "amount": data.get(f"amount_{a.pk}"),
                "conditions": data.get(f"conditions_{a.pk}", ""),
                "reason": data.get(f"reason_{a.pk}", ""),
            }
            for a in self.applications
        ]


def _date_field(label, initial=None, required=False):
    return forms.DateField(
        label=label,
        required=required,
        initial=initial,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class DecisionForm(forms.Form):
    """A decision body's decision: the meeting, case reference and date, and for each
    application of the recommendation (or the stage before) granted or not, with the amount,
    period and conditions, or the reasons."""

    CHOICES = [("grant", _("Granted")), ("reject", _("Not granted"))]
    FIELDS = ("order", "decision", "amount", "period_start", "period_end", "conditions", "reason")

    meeting = forms.CharField(
        label=_("Meeting"), max_length=200, required=False, help_text=_("E.g. “SSU 4/2026”.")
    )
    case_reference = forms.CharField(
        label=_("Case reference"), max_length=100, required=False, help_text=_("E.g. “32/26”.")
    )
    decided_on = _date_field(_("Date of the decision"))

    def __init__(self, *args, proposals, decision=None, final=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.proposals = proposals
        saved = {i.application_id: i for i in decision.items.all()} if decision else {}
        if decision is not None:
            self.fields["meeting"].initial = decision.meeting
            self.fields["case_reference"].initial = decision.case_reference
            self.fields["decided_on"].initial = decision.decided_on
        choices = (
            self.CHOICES
            if final
            else [
                ("grant", _("Prioritised")),
                ("reject", _("Not prioritised")),
            ]
        )
        for proposal in proposals:
            pk = proposal.application.pk
            item = saved.get(pk, proposal)
            granted = item.granted
            self.fields[f"order_{pk}"] = forms.IntegerField(
                label=_("Place"), min_value=1, max_value=PLACE_MAX, initial=item.order
            )
            self.fields[f"decision_{pk}"] = forms.ChoiceField(
                label=_("Decision"),
                choices=choices,
                widget=forms.RadioSelect,
                initial="grant" if granted else "reject",
            )
            self.fields[f"amount_{pk}"] = forms.DecimalField(
                label=_("Amount (NOK)"),
                required=False,
                min_value=0,
                decimal_places=2,
                max_digits=14,
                initial=item.amount,
            )
            self.fields[f"period_start_{pk}"] = _date_field(_("Period starts"), item.period_start)
            self.fields[f"period_end_{pk}"] = _date_field(_("Period ends"), item.period_end)
            self.fields[f"conditions_{pk}"] = forms.CharField(
                label=_("Conditions of the grant"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=item.conditions,
            )
            self.fields[f"reason_{pk}"] = forms.CharField(
                label=_("Reasons"),
                help_text=_("Needed when the application is not granted, or granted in part."),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                initial=item.reason,
            )

    def rows(self):
        return [(p, [self[f"{n}_{p.application.pk}"] for n in self.FIELDS]) for p in self.proposals]

    def items(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "application": p.application.pk,
                "order": data[f"order_{p.application.pk}"],
                "granted": data[f"decision_{p.application.pk}"] == "grant",
                **{
                    name: data.get(f"{name}_{p.application.pk}")
                    for name in ("amount", "period_start", "period_end", "conditions", "reason")
                },
            }
            for p in self.proposals
        ]


class ExtraRoundForm(forms.Form):
    name = forms.CharField(label=_("Name of the extra round"), max_length=200)
    opens_at = forms.DateTimeField(
        label=_("Opens"),
        help_text=_("Norwegian time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    closes_at = forms.DateTimeField(
        label=_("Deadline"),
        help_text=_("Norwegian time."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
