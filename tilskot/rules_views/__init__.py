"""The community's rules, on its secretariat's own pages (``/<community>/regler/``).

Each section is one page with one form or one formset of rows: the community itself, the
letters' texts, the member organisations, the committee's seats, and per grant scheme its
contents, criteria, priority areas, questions, final report questions, funding and rounds. Every
change is kept by django-simple-history (its middleware records who); the history page shows
them. Rows that applications (or anything else) refer to are never deleted: the page says why.
Django's admin stays for the platform operator's rare repairs.
"""

from .history import HistoryView
from .pages import (
    CommitteeView,
    CommunityRulesView,
    CriteriaView,
    FundingsView,
    LettersRulesView,
    OrganisationsView,
    OrganisationView,
    PriorityAreasView,
    QuestionsView,
    ReportQuestionsView,
    RoundRulesView,
    RoundsView,
    RulesIndexView,
    SchemeAddView,
    SchemeRulesView,
)

__all__ = [
    "CommitteeView",
    "CommunityRulesView",
    "CriteriaView",
    "FundingsView",
    "HistoryView",
    "LettersRulesView",
    "OrganisationView",
    "OrganisationsView",
    "PriorityAreasView",
    "QuestionsView",
    "ReportQuestionsView",
    "RoundRulesView",
    "RoundsView",
    "RulesIndexView",
    "SchemeAddView",
    "SchemeRulesView",
]
