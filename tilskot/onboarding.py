"""Onboarding a community: the writes behind the platform operator's pages (``/drift/``), the
secretariat's import of member organisations, and the reference loader (``tilskot.reference``).

- ``community_create``: the community, its role groups, its hospital trust and units, its first
  scheme and (when chosen) the national priority areas, in one transaction.
- ``national_priorities_set``: add the national priority areas to a scheme in the community's
  language, or take them away (never one an application has chosen).

Member organisations come in from a CSV file through ``tilskot.member_import``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_scopes import scope

from .models import Community, Organisation, PriorityArea, Scheme
from .services import community_role_groups_ensure

Kind = Organisation.Kind

NATIONAL_FILE = settings.BASE_DIR / "fixtures" / "reference" / "national.yaml"

# --- the community ------------------------------------------------------------------------------


def _slug_reserved(slug: str) -> bool:
    """Whether /<slug>/ is one of Tilskot's own addresses (the operator's /drift/, /konto/ …)
    rather than a community's: resolved, so a page added later is refused too."""
    try:
        match = resolve(f"/{slug}/")
    except Resolver404:
        return False
    return "community" not in match.kwargs


def _errors_of(error: ValidationError, prefix: str = "") -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {f"{prefix}{key}": messages for key, messages in error.message_dict.items()}
    return {prefix.rstrip("_") or "__all__": error.messages}


def history_user_set(obj, by) -> None:
    """Record ``by`` in the history of ``obj`` (else the request's user, or none)."""
    if by is not None:
        obj._history_user = by


def _merge(errors: dict[str, list[str]], more: dict[str, list[str]]) -> None:
    for key, messages in more.items():
        errors.setdefault(key, []).extend(messages)


def _units_clean(units: list[str]) -> tuple[list[str], list[str]]:
    """The units' names, each once, and what is wrong with them."""
    names: list[str] = []
    problems: list[str] = []
    seen: set[str] = set()
    max_length = Organisation._meta.get_field("name").max_length
    for raw in units:
        name = raw.strip()
        if not name:
            continue
        if len(name) > max_length:
            problems.append(
                _("The unit “%(name)s…” has a name longer than %(max)d characters.")
                % {"name": name[:40], "max": max_length}
            )
        elif name.casefold() in seen:
            problems.append(_("The unit “%(name)s” is named twice.") % {"name": name})
        else:
            seen.add(name.casefold())
            names.append(name)
    return names, problems


@transaction.atomic
def community_create(
    *,
    fields: dict[str, Any],
    hospital_trust: dict[str, Any] | None,
    units: list[str],
    scheme_name: str,
    national_priorities: bool,
    by=None,
) -> Community:
    """Create a community with everything it needs before its secretariat takes over: the
    groups of its roles, its hospital trust (``{"name", "org_number", …}``, any further
    Organisation fields allowed) with its ``units`` (names; each a unit of the trust), its first
    scheme named ``scheme_name`` (none when empty: the reference loader names its own), and the
    national priority areas when ``national_priorities``.

    Everything is checked before anything is saved. Raises ``ValidationError`` with a key per
    field: the community's own field names, ``hospital_trust_<field>`` for the trust, ``units``
    and ``scheme_name``. ``by`` (the operator; None for the reference loader) is recorded in the
    history of what is created."""
    errors: dict[str, list[str]] = {}
    community = Community(**fields)
    try:
        community.full_clean()
    except ValidationError as error:
        _merge(errors, _errors_of(error))
    if community.slug and _slug_reserved(community.slug):
        _merge(
            errors,
            {
                "slug": [
                    _("“%(value)s” is used by Tilskot itself and cannot be a community's address.")
                    % {"value": community.slug}
                ]
            },
        )

    trust = None
    if hospital_trust is not None:
        trust = Organisation(kind=Kind.HOSPITAL_TRUST, **hospital_trust)
        try:
            trust.full_clean(exclude=["community"], validate_unique=False)
        except ValidationError as error:
            _merge(errors, _errors_of(error, "hospital_trust_"))
    unit_names, unit_problems = _units_clean(units)
    if unit_problems:
        errors["units"] = unit_problems
    if unit_names and trust is None:
        errors.setdefault("units", []).append(
            _("Units belong to the hospital trust: give the trust's name and number too.")
        )
    scheme = Scheme(name=scheme_name.strip()) if scheme_name.strip() else None
    if scheme is not None:
        try:
            scheme.full_clean(exclude=["community"])
        except ValidationError as error:
            _merge(errors, _errors_of(error, "scheme_"))
    elif national_priorities:
        errors["scheme_name"] = [_("Name the scheme the national priority areas belong to.")]
    if errors:
        raise ValidationError(errors)

    history_user_set(community, by)
    community.save()
    community_role_groups_ensure(community=community)
    with scope(community=community):
        if trust is not None:
            trust.community = community
            history_user_set(trust, by)
            trust.full_clean()
            trust.save()
            for name in unit_names:
                unit = Organisation(
                    community=community, kind=Kind.HOSPITAL_UNIT, name=name, parent=trust
                )
                history_user_set(unit, by)
                unit.full_clean()
                unit.save()
        if scheme is None:
            return community
        scheme.community = community
        history_user_set(scheme, by)
        scheme.full_clean()
        scheme.save()
        if national_priorities:
            national_priorities_set(scheme=scheme, include=True, language=community.language)
    return community


# --- the national priority areas ----------------------------------------------------------------


def national_priority_names(*, language: str, path: Path = NATIONAL_FILE) -> list[str]:
    """The national priority areas of the grant, in bokmål or nynorsk (``national.yaml``)."""
    with path.open(encoding="utf-8") as f:
        areas = yaml.safe_load(f)["priority_areas"]
    key = language if language in ("nb", "nn") else "nb"
    return [area[key] for area in areas]


def _chosen_count(areas) -> int:
    """How many rows elsewhere (an application's choice, in a later stage the core may not
    import) point at any of ``areas``, found through the relations the ORM knows."""
    count = 0
    for relation in PriorityArea._meta.related_objects:
        if relation.related_model.__name__.startswith("Historical"):
            continue  # simple-history's copies are no choice
        manager = relation.related_model._base_manager  # unscoped: counts, shows nothing
        count += manager.filter(**{f"{relation.field.name}__in": areas}).count()
    return count


@transaction.atomic
def national_priorities_set(
    *, scheme: Scheme, include: bool, language: str, path: Path = NATIONAL_FILE
) -> list[PriorityArea]:
    """Give ``scheme`` the national priority areas (``include``) in ``language``, in the order
    of ``national.yaml``, or take them away. Idempotent: an area already there (by its place in
    the list) keeps its row and gets the list's name. Taking them away is refused
    (``ValidationError``) while any application has chosen one of them."""
    with scope(community=scheme.community):
        existing = PriorityArea.objects.filter(scheme=scheme, kind=PriorityArea.Kind.NATIONAL)
        if not include:
            chosen = _chosen_count(existing)
            if chosen:
                raise ValidationError(
                    ngettext(
                        "The national priority areas cannot be taken away: an application has "
                        "chosen one of them.",
                        "The national priority areas cannot be taken away: applications have "
                        "chosen them %(count)d times.",
                        chosen,
                    )
                    % {"count": chosen}
                )
            existing.delete()
            return []
        areas = []
        for order, name in enumerate(national_priority_names(language=language, path=path), 1):
            area, _created = PriorityArea.objects.update_or_create(
                scheme=scheme,
                kind=PriorityArea.Kind.NATIONAL,
                order=order,
                defaults={"name": name},
            )
            area.full_clean()
            areas.append(area)
        return areas
