"""What every rules page shares: what refers to a row (never deleted while something does),
the error summary, the role, and the page of one form or of one formset."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import (
    Scheme,
)
from ..roles import Role
from ..views import CommunityPageView, CommunityRoleRequiredMixin

# --- what refers to a row ---------------------------------------------------------------------


def referred_by(instance) -> list[str]:
    """What refers to ``instance`` (the names of the kinds of record, e.g. "application answers"),
    through every relation that points at its model, the hidden ones (``related_name="+"``)
    too; history records do not count. Empty: nothing does, it may be deleted."""
    found = []
    for relation in instance._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete and relation.is_relation):
            continue
        model = relation.related_model
        if model is None or model._meta.auto_created or hasattr(model, "instance_type"):
            continue  # a many-to-many's own table (its relation counts), or a history record
        lookup = relation.field.name
        if model._base_manager.filter(**{lookup: instance}).exists():
            name = str(model._meta.verbose_name_plural)
            if name not in found:
                found.append(name)
    return found


def refusal(instance) -> str:
    """Why ``instance`` cannot be deleted, or ""."""
    found = referred_by(instance)
    if not found:
        return ""
    return _("“%(name)s” cannot be deleted: %(what)s refer to it.") % {
        "name": instance,
        "what": ", ".join(found),
    }


# --- errors for the summary ---------------------------------------------------------------------


def form_errors(form, row: str = "") -> list[tuple[str, str]]:
    """(id of the control, message) for each of the form's errors, the field's label first."""
    anchor = f"{form.prefix}-form" if form.prefix else ""
    lead = f"{row}: " if row else ""
    errors = [(anchor, f"{lead}{error}") for error in form.non_field_errors()]
    for field in form:
        for error in field.errors:
            errors.append(
                (
                    field.id_for_label or field.auto_id,
                    lead + _("%(label)s: %(error)s") % {"label": field.label, "error": error},
                )
            )
    return errors


def formset_errors(formset) -> list[tuple[str, str]]:
    errors = [("", str(error)) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        errors.extend(form_errors(form, row=_("Row %(number)s") % {"number": number}))
    return errors


# --- the pages --------------------------------------------------------------------------------


class RulesMixin(CommunityRoleRequiredMixin):
    required_role = Role.SECRETARIAT
    title = ""

    @cached_property
    def scheme(self) -> Scheme | None:
        if "scheme" not in self.kwargs:
            return None
        scheme = Scheme.objects.filter(pk=self.kwargs["scheme"]).first()
        if scheme is None:
            raise Http404
        return scheme

    def url_kwargs(self) -> dict:
        kwargs = {"community": self.request.community.slug}
        if self.scheme is not None:
            kwargs["scheme"] = self.scheme.pk
        return kwargs

    def get_context_data(self, **kwargs):
        return super().get_context_data(title=self.title, scheme=self.scheme, **kwargs)


class FormPageView(RulesMixin, CommunityPageView):
    """A page with one model form: GET shows it, POST saves it and returns here (or shows it
    again with its errors and what was typed)."""

    template_name = "tilskot/rules/form.html"
    form_class: type = None
    drafts_note = ""
    success_message = gettext_lazy("The changes are saved.")
    multipart = False

    def get_instance(self):
        raise NotImplementedError

    def success_url(self, instance) -> str:
        return self.request.path

    def get_form(self, data=None, files=None):
        return self.form_class(data, files, instance=self.get_instance())

    def get_context_data(self, **kwargs):
        form = kwargs.setdefault("form", self.get_form())
        return super().get_context_data(
            error_list=form_errors(form),
            drafts_note=self.drafts_note,
            multipart=self.multipart,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = self.get_form(request.POST, request.FILES)
        if form.is_valid():
            with transaction.atomic():
                instance = form.save()
            messages.success(request, str(self.success_message))
            return redirect(self.success_url(instance))
        return self.render_to_response(
            self.get_context_data(community=request.community, form=form)
        )


def delete_or_refuse(request, instance, then: str, *, back: str = ""):
    """Delete ``instance`` unless something refers to it; say which it was."""
    name = str(instance)
    reason = refusal(instance)
    if not reason:
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError:
            reason = _("“%(name)s” cannot be deleted: other records refer to it.") % {"name": name}
    if reason:
        messages.error(request, reason)
        return redirect(back or request.path)
    messages.success(request, _("“%(name)s” is deleted.") % {"name": name})
    return redirect(then)


class FormSetPageView(RulesMixin, CommunityPageView):
    """A page with the rows of one section in a formset: change, add (the empty rows at the
    end), delete (where nothing refers to the row), and order (the order shown)."""

    template_name = "tilskot/rules/formset.html"
    formset_class: type = None
    drafts_note = ""
    intro = ""

    def parent(self):
        return self.scheme

    def get_formset(self, data=None):
        return self.formset_class(data, instance=self.parent(), prefix="rows")

    def locked(self) -> str:
        return ""

    def extra_forms(self, data=None) -> dict:
        return {}

    def get_context_data(self, **kwargs):
        formset = kwargs.setdefault("formset", self.get_formset())
        extra = kwargs.get("extra") or self.extra_forms()
        kwargs.setdefault("extra", extra)
        errors = [("", reason) for reason in kwargs.pop("refused", ())]
        errors.extend(formset_errors(formset))
        for form in extra.values():
            errors.extend(form_errors(form))
        return super().get_context_data(
            error_list=errors,
            drafts_note=self.drafts_note,
            intro=self.intro,
            locked=self.locked(),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if reason := self.locked():
            messages.error(request, reason)
            return redirect(request.path)
        formset = self.get_formset(request.POST)
        extra = self.extra_forms(request.POST)
        extra_valid = [form.is_valid() for form in extra.values()]  # each, for its errors
        refused: list[str] = []
        if formset.is_valid() and all(extra_valid):
            refused = [
                reason
                for form in formset.deleted_forms
                if form.instance.pk and (reason := refusal(form.instance))
            ]
        if formset.is_valid() and all(extra_valid) and not refused:
            try:
                counts = self.save(formset, extra)
            except ProtectedError:
                refused = [_("A row cannot be deleted: other records refer to it.")]
            except ValidationError as error:  # a service said no (e.g. the national areas)
                refused = error.messages
            else:
                messages.success(
                    request,
                    _("Saved: %(changed)s changed, %(added)s added, %(deleted)s deleted.") % counts,
                )
                return redirect(request.path)
        return self.render_to_response(
            self.get_context_data(
                community=request.community, formset=formset, extra=extra, refused=refused
            )
        )

    @transaction.atomic
    def save(self, formset, extra) -> dict:
        deleted = 0
        for form in formset.deleted_forms:
            if form.instance.pk:
                form.instance.delete()
                deleted += 1
        changed, added = formset.save_rows()
        self.save_extra(extra)
        return {"changed": changed, "added": added, "deleted": deleted}

    def save_extra(self, extra: dict) -> None:
        return None
