from django.contrib import admin

from activator.calls.models import (
    Application,
    Call,
    Category,
    Criterion,
    DecisionLevel,
    Phase,
    Question,
    Review,
    ReviewRound,
    RoundReviewer,
)


class CategoryInline(admin.TabularInline):
    model = Category
    extra = 0


class PhaseInline(admin.TabularInline):
    model = Phase
    extra = 0


class LevelInline(admin.TabularInline):
    model = DecisionLevel
    extra = 0


class QuestionInline(admin.StackedInline):
    model = Question
    extra = 0


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "year", "status", "deadline"]
    list_filter = ["kind", "status", "year"]
    search_fields = ["title", "organiser"]
    prepopulated_fields = {"slug": ["title"]}
    raw_id_fields = ["parent", "beneficiary", "project", "copied_from", "created_by"]
    inlines = [CategoryInline, PhaseInline, LevelInline, QuestionInline]


@admin.register(Application)
class ApplicationAdmin(admin.ModelAdmin):
    list_display = ["title", "call", "category", "status", "outcome", "submitted_at"]
    list_filter = ["status", "outcome", "call"]
    search_fields = ["title", "organisation__name", "applicant__email"]
    raw_id_fields = ["applicant", "organisation", "call", "category", "level"]


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


class RoundReviewerInline(admin.TabularInline):
    model = RoundReviewer
    extra = 0
    raw_id_fields = ["reviewer"]


@admin.register(ReviewRound)
class ReviewRoundAdmin(admin.ModelAdmin):
    list_display = ["call", "number", "name", "status"]
    list_filter = ["status"]
    inlines = [CriterionInline, RoundReviewerInline]


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ["application", "reviewer", "round", "status", "total"]
    list_filter = ["status"]
    raw_id_fields = ["application", "reviewer", "round"]
