"""Tenant-safe Celery tasks.

A task takes ids, never model instances, and runs inside its community's scope, exactly as a
request does (pretix's pattern). Queue it after the surrounding transaction commits, so a
worker never looks for a row that is not there yet: ``task.delay_on_commit(community.pk, ...)``.
"""

import functools

from celery import shared_task
from django_scopes import scope

from .models import Community


def community_task(*task_args, **task_options):
    """Decorate ``func(community, *args)`` as a Celery task called with ``community_id`` first.

    The task fetches the community and runs ``func`` inside ``scope(community=...)``, so its
    queries see that community's rows and no other's.
    """

    def decorator(func):
        task_options.setdefault("name", f"{func.__module__}.{func.__name__}")

        @shared_task(*task_args, **task_options)
        @functools.wraps(func)
        def run(community_id: int, *args, **kwargs):
            community = Community.objects.get(pk=community_id)
            with scope(community=community):
                return func(community, *args, **kwargs)

        return run

    return decorator
