"""The history of the community's rules: the latest changes, field by field."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    ApplicationQuestion,
    CommitteeSeat,
    Community,
    Criterion,
    Organisation,
    PriorityArea,
    ReportQuestion,
    Round,
    Scheme,
    SchemeFunding,
)
from ..views import CommunityPageView
from .common import RulesMixin

HISTORY_LENGTH = 100


# --- the history ------------------------------------------------------------------------------

# Each rules model and the field that names a row of it in the history.
HISTORY_MODELS = (
    (Community, "name"),
    (Organisation, "name"),
    (CommitteeSeat, "title"),
    (Scheme, "name"),
    (Criterion, "title"),
    (PriorityArea, "name"),
    (ApplicationQuestion, "text"),
    (ReportQuestion, "text"),
    (SchemeFunding, "year"),
    (Round, "name"),
)

SHORT = 120


def _shown(field, value) -> str:
    if value is None or value == "":
        return "–"
    if field is not None and field.choices:
        value = dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= SHORT else f"{text[: SHORT - 1]}…"


@dataclass
class Change:
    at: object
    who: object
    kind: str
    what: str
    name: str
    action: str
    fields: list


class HistoryView(RulesMixin, CommunityPageView):
    """The latest changes of the community's rules, across every section, newest first: who,
    when, and field by field what changed."""

    template_name = "tilskot/rules/history.html"
    title = gettext_lazy("History of the rules")

    def records(self):
        community = self.request.community
        scheme_ids = set(
            Scheme.history.filter(community_id=community.pk).values_list("id", flat=True)
        )
        found = []
        for model, _label in HISTORY_MODELS:
            history = model.history.select_related("history_user")
            if model is Community:
                history = history.filter(id=community.pk)
            elif any(f.name == "community" for f in model._meta.fields):
                history = history.filter(community_id=community.pk)
            else:
                history = history.filter(scheme_id__in=scheme_ids)
            found.extend(history.order_by("-history_date", "-history_id")[:HISTORY_LENGTH])
        found.sort(key=lambda r: (r.history_date, r.history_id), reverse=True)
        return found[:HISTORY_LENGTH]

    def changes(self) -> list[Change]:
        records = self.records()
        # The record before each (of the same row), fetched per model in one query.
        previous = {}
        by_model: dict = {}
        for record in records:
            by_model.setdefault(type(record), []).append(record)
        for history_model, shown in by_model.items():
            ids = {r.id for r in shown}
            newest = max(r.history_date for r in shown)
            rows = history_model.objects.filter(id__in=ids, history_date__lte=newest).order_by(
                "id", "history_date", "history_id"
            )
            last = {}
            for row in rows:
                previous[(history_model, row.history_id)] = last.get(row.id)
                last[row.id] = row
        labels = dict(HISTORY_MODELS)
        actions = {"+": _("added"), "~": _("changed"), "-": _("deleted")}
        changes = []
        for record in records:
            model = record.instance_type
            before = previous.get((type(record), record.history_id))
            fields = []
            if before is not None and record.history_type == "~":
                for change in record.diff_against(before).changes:
                    field = model._meta.get_field(change.field)
                    fields.append(
                        (
                            str(field.verbose_name),
                            _shown(field, change.old),
                            _shown(field, change.new),
                        )
                    )
            changes.append(
                Change(
                    at=record.history_date,
                    who=record.history_user,
                    kind=str(model._meta.verbose_name),
                    what=model.__name__.lower(),
                    name=_shown(None, getattr(record, labels[model])),
                    action=actions.get(record.history_type, record.history_type),
                    fields=fields,
                )
            )
        return changes

    def get_context_data(self, **kwargs):
        return super().get_context_data(changes=self.changes(), length=HISTORY_LENGTH, **kwargs)
