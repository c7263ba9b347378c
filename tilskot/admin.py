"""The community's rules, editable by its secretariat in the Django admin (with history).

The admin runs inside a tenant scope (see ``CommunityMiddleware``): a secretariat member sees and
can choose only their own communities' rows. ``Community`` itself is the tenant and not scoped,
so it is filtered here.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db import models as db_models
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user
from simple_history.admin import SimpleHistoryAdmin

from . import models
from .roles import Role
from .services import community_role_groups_ensure


def communities_administered(request):
    if request.user.is_superuser:
        return models.Community.objects.all()
    return get_objects_for_user(
        request.user,
        Role.SECRETARIAT.permission,
        klass=models.Community,
        accept_global_perms=False,
    )


class CommunityChoiceMixin:
    """Limits every choice of community to those the user administers."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is models.Community:
            kwargs["queryset"] = communities_administered(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


LETTERHEAD_FIELDS = [
    "org_number",
    "postal_address",
    "postcode",
    "postal_place",
    "logo",
    "letter_signatory_name",
    "letter_signatory_title",
]


class CommitteeSeatInline(admin.TabularInline):
    model = models.CommitteeSeat
    extra = 0


@admin.register(models.Community)
class CommunityAdmin(SimpleHistoryAdmin):
    list_display = ["name", "slug", "language", "decision_body", "payment_project_number"]
    inlines = [CommitteeSeatInline]
    # A website typed without a scheme is https (Django 6's default; 5.2 warns without it).
    formfield_overrides = {db_models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return communities_administered(request)

    def get_readonly_fields(self, request, obj=None):
        # The address is part of every link to the community: only a superuser changes it.
        return [] if request.user.is_superuser else ["slug"]

    def get_fieldsets(self, request, obj=None):
        # The letterhead in a section of its own; every other field (a new one too) above it.
        fields = [f for f in self.get_fields(request, obj) if f not in LETTERHEAD_FIELDS]
        return [
            (None, {"fields": fields}),
            (
                _("Decision letters"),
                {
                    "fields": LETTERHEAD_FIELDS,
                    "description": _(
                        "The letterhead, and who signs. The contact e-mail above is printed "
                        "in the letterhead too."
                    ),
                },
            ),
        ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        community_role_groups_ensure(community=obj)


@admin.register(models.Organisation)
class OrganisationAdmin(CommunityChoiceMixin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "kind",
        "municipality_number",
        "org_number",
        "community",
        "membership_confirmed",
    ]
    list_filter = ["kind", "membership_confirmed"]
    search_fields = ["name", "org_number", "municipality_number"]
    list_select_related = ["community"]


class CriterionInline(admin.StackedInline):
    model = models.Criterion
    extra = 0


class PriorityAreaInline(admin.TabularInline):
    model = models.PriorityArea
    extra = 0


class ApplicationQuestionInline(admin.StackedInline):
    model = models.ApplicationQuestion
    extra = 0


class ReportQuestionInline(admin.StackedInline):
    model = models.ReportQuestion
    extra = 0


class SchemeFundingInline(admin.TabularInline):
    model = models.SchemeFunding
    extra = 0


@admin.register(models.Scheme)
class SchemeAdmin(CommunityChoiceMixin, SimpleHistoryAdmin):
    list_display = ["name", "community"]
    list_select_related = ["community"]
    inlines = [
        CriterionInline,
        PriorityAreaInline,
        ApplicationQuestionInline,
        ReportQuestionInline,
        SchemeFundingInline,
    ]


@admin.register(models.Round)
class RoundAdmin(SimpleHistoryAdmin):
    list_display = ["name", "scheme", "opens_at", "closes_at", "budget"]
    list_select_related = ["scheme__community"]
    date_hierarchy = "closes_at"


for model in (
    models.Criterion,
    models.PriorityArea,
    models.ApplicationQuestion,
    models.ReportQuestion,
    models.CommitteeSeat,
    models.SchemeFunding,
):
    admin.site.register(model, SimpleHistoryAdmin)


@admin.register(models.User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (_("Personal info"), {"fields": ["first_name", "last_name"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]
