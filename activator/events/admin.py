"""The admin site shows events for inspection; staff change them on the audited event pages.

Events and registrations are read-only here: the seat counter, the waiting list, the e-mails and
the audit trail are kept by the services the pages call, which a plain admin save would bypass.
"""

from django.contrib import admin

from activator.events.models import (
    AgendaItem,
    Event,
    Meeting,
    Motion,
    Question,
    Registration,
    Room,
    Session,
    Speaker,
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

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class QuestionInline(ReadOnlyInline):
    model = Question


class RoomInline(ReadOnlyInline):
    model = Room


@admin.register(Event)
class EventAdmin(ReadOnly):
    list_display = ["title", "type", "year", "month", "starts_at", "status", "audience"]
    list_filter = ["type", "status", "audience", "year"]
    search_fields = ["title", "city"]
    readonly_fields = ["seats_taken", "search_text"]
    raw_id_fields = ["organiser", "partners", "created_by"]
    inlines = [QuestionInline, RoomInline]


@admin.register(Registration)
class RegistrationAdmin(ReadOnly):
    list_display = ["event", "person", "organisation", "status", "checked_in_at"]
    list_filter = ["status"]
    search_fields = ["person__email", "event__title"]
    raw_id_fields = ["event", "person", "organisation", "decided_by", "checked_in_by"]
    list_select_related = ["event", "person", "organisation"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "event", "starts_at", "room"]
    raw_id_fields = ["event", "room", "speakers", "attendees"]


admin.site.register(Speaker)


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["event", "body", "number", "theme"]
    inlines = [AgendaItemInline]


@admin.register(Motion)
class MotionAdmin(admin.ModelAdmin):
    list_display = ["title", "meeting", "kind", "status"]
    list_filter = ["kind", "status"]
