"""The admin site shows the Solution Finder's records for inspection; people change them on the
Solution Finder's pages.

Solutions, challenges, requests and meetings are read-only here: their vectors and search
entries, the audit trail, the e-mails and the meeting schedule are kept by the services the
pages call, which a plain admin save would bypass. The technologies are a taxonomy the
Secretariat keeps here; renaming or deleting one refreshes the text of the solutions that have
it, which matching reads.
"""

from django.contrib import admin
from django.utils import timezone

from activator.matching import services
from activator.matching.models import (
    Challenge,
    Conversation,
    Deployment,
    FinderMessage,
    FinderPartner,
    FinderRequest,
    MatchmakingSetup,
    MeetingRequest,
    MeetingSlot,
    Message,
    Solution,
    SolutionDomain,
    SolutionMedia,
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

    def get_readonly_fields(self, request, obj=None):
        return self.fields or []

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _reindex(solution_ids: list[int]) -> None:
    """Refresh the matching text of these solutions, and mark them changed for the ranking."""
    for solution in Solution.objects.filter(id__in=solution_ids):
        services.reindex(solution)
    Solution.objects.filter(id__in=solution_ids).update(updated_at=timezone.now())


@admin.register(SolutionDomain)
class SolutionDomainAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            _reindex(list(obj.solutions.values_list("id", flat=True)))

    def delete_model(self, request, obj):
        solution_ids = list(obj.solutions.values_list("id", flat=True))
        super().delete_model(request, obj)
        _reindex(solution_ids)

    def delete_queryset(self, request, queryset):
        solution_ids = list(
            Solution.objects.filter(technologies__in=queryset).values_list("id", flat=True)
        )
        super().delete_queryset(request, queryset)
        _reindex(solution_ids)


class DeploymentInline(ReadOnlyInline):
    model = Deployment
    fields = ["project", "note", "created_at"]


class MediaInline(ReadOnlyInline):
    model = SolutionMedia
    fields = ["kind", "image", "url", "caption", "position"]


@admin.register(Solution)
class SolutionAdmin(ReadOnly):
    list_display = ["name", "provider", "status", "price_band", "contact", "published_at"]
    list_filter = ["status", "price_band", "technologies", "sectors"]
    search_fields = ["name", "summary", "provider__name"]
    list_select_related = ["provider", "contact"]
    exclude = ["embedding"]
    inlines = [DeploymentInline, MediaInline]


@admin.register(Challenge)
class ChallengeAdmin(ReadOnly):
    list_display = ["title", "city", "status", "budget_min", "budget_max", "start_by"]
    list_filter = ["status", "city__region", "sectors", "pillars"]
    search_fields = ["title", "description", "city__name"]
    list_select_related = ["city"]
    exclude = ["embedding"]


class MessageInline(ReadOnlyInline):
    model = Message
    fields = ["author", "body", "created_at"]


@admin.register(Conversation)
class ConversationAdmin(ReadOnly):
    list_display = ["challenge", "solution", "started_by", "last_message_at"]
    search_fields = ["challenge__title", "solution__name"]
    list_select_related = ["challenge", "solution", "started_by"]
    inlines = [MessageInline]


class PartnerInline(ReadOnlyInline):
    model = FinderPartner
    fields = ["organisation", "solution", "note", "connected_by", "connected_at"]


class FinderMessageInline(ReadOnlyInline):
    model = FinderMessage
    fields = ["author", "from_staff", "body", "created_at"]


@admin.register(FinderRequest)
class FinderRequestAdmin(ReadOnly):
    list_display = ["application", "challenge", "stage", "outcome", "handled_by", "created_at"]
    list_filter = ["stage", "outcome"]
    search_fields = ["application__organisation__name", "challenge__title"]
    list_select_related = ["application", "challenge", "handled_by"]
    inlines = [PartnerInline, FinderMessageInline]


@admin.register(MatchmakingSetup)
class MatchmakingSetupAdmin(ReadOnly):
    list_display = ["event", "tables", "place", "requests_close_at"]
    search_fields = ["event__title"]
    list_select_related = ["event"]


@admin.register(MeetingSlot)
class MeetingSlotAdmin(ReadOnly):
    list_display = ["event", "starts_at", "ends_at"]
    search_fields = ["event__title"]
    list_select_related = ["event"]


@admin.register(MeetingRequest)
class MeetingRequestAdmin(ReadOnly):
    list_display = ["event", "requester", "recipient", "status", "slot", "table"]
    list_filter = ["status"]
    search_fields = ["event__title", "requester__email", "recipient__email"]
    list_select_related = ["event", "requester", "recipient", "slot"]
    raw_id_fields = ["event", "requester", "recipient", "challenge", "solution", "slot"]
