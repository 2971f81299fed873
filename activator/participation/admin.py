"""The admin site shows participation spaces for inspection; people act on the space's pages.

Everything is read-only here except a space's plan, which staff set: the counters of supports,
comments and reports, moderation, answers, verification decisions and notifications are kept by
the services the pages call, which a plain admin save would bypass. A plan changed here goes
through the same service as on the space's pages, so it is checked and in the audit trail.
"""

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from activator.participation import services_spaces
from activator.participation.models import (
    Category,
    Flag,
    Notification,
    Participant,
    Phase,
    Process,
    Proposal,
    Space,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or []

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CategoryInline(ReadOnlyInline):
    model = Category
    fields = ["name"]


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    """Only the plan changes here; the rest is the space's managers' to set on its pages."""

    list_display = ["title", "organisation", "plan", "verification", "is_open", "participant_count"]
    list_filter = ["plan", "is_open", "verification"]
    search_fields = ["title", "slug", "organisation__name"]
    list_select_related = ["organisation"]
    fields = [
        "organisation",
        "slug",
        "title",
        "plan",
        "is_open",
        "verification",
        "email_domains",
        "flag_threshold",
        "moderators",
        "description",
        "created_at",
    ]
    readonly_fields = [name for name in fields if name != "plan"]
    inlines = [CategoryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(participant_total=Count("participants"))

    @admin.display(description=_("participants"), ordering="participant_total")
    def participant_count(self, obj: Space) -> int:
        return obj.participant_total

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        # Through the service: it checks who may, stops what the new plan lacks, and audits.
        if change and "plan" in form.changed_data:
            services_spaces.space_set_plan(
                actor=request.user, space=obj, plan=obj.plan, note="Admin site"
            )


@admin.register(Participant)
class ParticipantAdmin(ReadOnly):
    list_display = ["user", "space", "status", "verified_by", "notifications", "joined_at"]
    list_filter = ["status", "verified_by", "notifications", "space"]
    search_fields = ["user__email", "user__full_name", "space__title"]
    list_select_related = ["user", "space"]


class PhaseInline(ReadOnlyInline):
    model = Phase
    fields = ["kind", "starts_on", "ends_on", "description"]


@admin.register(Process)
class ProcessAdmin(ReadOnly):
    list_display = ["title", "space", "status", "support_threshold", "running_phase"]
    list_filter = ["status", "space"]
    search_fields = ["title", "slug", "space__title"]
    list_select_related = ["space"]
    inlines = [PhaseInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("phases")

    @admin.display(description=_("phase today"))
    def running_phase(self, obj: Process) -> str:
        phase = obj.phase_on()
        return phase.get_kind_display() if phase else "—"


@admin.register(Proposal)
class ProposalAdmin(ReadOnly):
    list_display = [
        "title",
        "process",
        "category",
        "author",
        "supports_count",
        "comments_count",
        "answer",
        "moderation",
        "flags_count",
        "created_at",
    ]
    list_filter = ["answer", "moderation", "appeal_status", "process__space"]
    search_fields = ["title", "author__email"]
    list_select_related = ["process", "category", "author"]
    # Counting every proposal of a large space on each page is slow and says little here.
    show_full_result_count = False


@admin.register(Flag)
class FlagAdmin(ReadOnly):
    list_display = ["user", "content_type", "object_id", "reason", "created_at"]
    list_filter = ["reason", "content_type"]
    search_fields = ["user__email", "details"]
    list_select_related = ["user", "content_type"]


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ["user", "space", "verb", "text", "created_at", "read_at", "emailed_at"]
    list_filter = ["verb", "space"]
    search_fields = ["user__email", "text"]
    list_select_related = ["user", "space"]
