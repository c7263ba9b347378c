from django.utils.functional import SimpleLazyObject

from .roles import roles_of


def community(request):
    """The active community (or None) and, looked up only if a template asks, the user's roles
    in it."""
    active = getattr(request, "community", None)
    if active is None:
        return {"community": None, "my_roles": frozenset()}
    return {
        "community": active,
        "my_roles": SimpleLazyObject(lambda: roles_of(request.user, active)),
    }
