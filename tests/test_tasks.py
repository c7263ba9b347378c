"""Celery tasks re-enter their community's scope, exactly as a request does."""

import pytest
from django_scopes import ScopeError

from tilskot.models import Round
from tilskot.tasks import community_task

pytestmark = pytest.mark.django_db


@community_task()
def round_names(community):
    return sorted(Round.objects.values_list("name", flat=True))


def test_task_sees_its_own_community_only(world):
    # apply() runs the task body here, as a worker would, whichever broker is configured.
    assert round_names.apply(args=[world.bergen.pk]).get() == [world.bergen_round.name]
    assert round_names.apply(args=[world.ostfold.pk]).get() == [world.ostfold_round.name]


def test_outside_a_task_the_same_query_needs_a_scope(world):
    with pytest.raises(ScopeError):
        list(Round.objects.all())
