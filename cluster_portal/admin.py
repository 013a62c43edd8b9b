"""Admin of this app's models (users, the state-transition log) and the mixins
the other apps' admin modules share. The admin site itself is in ``sites.py``."""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import get_fields_from_path, lookup_spawns_duplicates
from django.contrib.auth.admin import UserAdmin
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from cluster_portal.cache import INVALIDATING_APPS, cached
from cluster_portal.models import CspReport, SubmissionToken, TransitionLog, User
from cluster_portal.text import search_term as search_term_in
from cluster_portal.text import search_terms
from cluster_portal.two_factor.services import two_factor_reset


class SelectRelatedAdminMixin:
    """Join ``list_select_related`` in every queryset of the admin, not only the changelist.

    For models whose ``__str__`` reads related rows: change page titles, autocomplete
    results and delete confirmations print it too. (``ChangeList`` applies
    ``list_select_related`` only when ``get_queryset()`` has not called
    ``select_related()``, so this keeps one list of relations for both.)
    """

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)


#: below this many rows (as PostgreSQL's statistics estimate them) a changelist counts exactly
ESTIMATE_FROM_ROWS = 20_000


class EstimatedCountPaginator(Paginator):
    """A changelist paginator that does not ``COUNT(*)`` a large table it shows unfiltered.

    Unfiltered, the count of a table of 100,000 rows costs a sequential scan on every page view; on
    PostgreSQL the planner's estimate (``pg_class.reltuples``, kept by ANALYZE/autovacuum) serves for
    the page links when it is above ``ESTIMATE_FROM_ROWS``. A filtered or searched list, a small
    table, a table never analysed and any other database count exactly. One query either way."""

    @cached_property
    def count(self):
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is None or query.where or query.distinct or query.combinator:
            return super().count
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
            )
            row = cursor.fetchone()
        estimate = row[0] if row else -1
        if estimate < ESTIMATE_FROM_ROWS:
            return super().count
        return estimate


class LargeChangelistMixin:
    """For changelists of tables that grow with the program (results, budgets, entries, participations):
    no second ``COUNT(*)`` of the whole table beside the filtered one (``show_full_result_count``),
    50 rows a page, and the estimating paginator above. Ordering and ``list_select_related`` stay with
    each admin (an indexed ordering keeps the first page a top-N index scan)."""

    show_full_result_count = False
    list_per_page = 50
    paginator = EstimatedCountPaginator

    def action_checkbox(self, obj):
        """The row's checkbox as Django's ``CheckboxInput`` renders it, without a template render per row
        (a fifth of a changelist's time)."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


@cached("admin-filter-values")
def _distinct_values(model_label: str, field_name: str, by_year: bool) -> list:
    from django.apps import apps

    queryset = apps.get_model(model_label)._default_manager.order_by()
    if by_year:
        return [day.year for day in queryset.dates(field_name, "year")]
    return list(queryset.exclude(**{field_name: ""}).values_list(field_name, flat=True).distinct().order_by(field_name))


def cached_values_filter(field_name: str, title, *, by_year: bool = False):
    """A list filter on ``field_name``'s distinct values (or its years, ``by_year``) that reads them from
    the data-generation cache (cluster_portal/cache.py) instead of a ``SELECT DISTINCT`` over the whole
    table on every changelist view; the list is computed again after any write to the portal's data.
    For models of the apps that bump the generation only (regions, projects, coordinators)."""

    class CachedValuesFilter(admin.SimpleListFilter):
        parameter_name = f"{field_name}__year" if by_year else field_name

        def lookups(self, request, model_admin):
            model = model_admin.model
            if model._meta.app_label not in INVALIDATING_APPS:
                raise ValueError(f"{model._meta.label} does not bump the data generation")
            return [(str(value), str(value)) for value in _distinct_values(model._meta.label, field_name, by_year)]

        def queryset(self, request, queryset):
            value = self.value()
            if value is None:
                return queryset
            if by_year:
                if not value.isdigit():
                    return queryset.none()
                return queryset.filter(**{f"{field_name}__year": int(value)})
            return queryset.filter(**{field_name: value})

    CachedValuesFilter.title = title
    CachedValuesFilter.__name__ = f"CachedValuesFilter_{field_name}"
    return CachedValuesFilter


class TextSearchAdminMixin:
    """The changelist search through the portal's text search (``cluster_portal.text``).

    Like Django's: every word (a quoted phrase is one) in one of ``search_fields``, ``=field`` for an
    exact (case-insensitive) match. Unlike it: NFKC on both sides, so 「ｾﾝｻ」 finds 「センサ」, and
    indexed: the fields of each model on a path (``project__title`` → the project's) are searched as
    one subquery on that model, ``search_term``, which the trigram indexes and, for words of one or
    two characters, the character index serve on PostgreSQL; the changelist then only checks ids.
    """

    def get_search_results(self, request, queryset, search_term):
        terms = search_terms(search_term)
        if not terms:
            return queryset, False
        by_path: dict[str, list[str]] = {}
        exact = []
        for name in self.get_search_fields(request):
            if name.startswith("="):
                exact.append(name[1:])
                continue
            path, _, field = name.lstrip("^@").rpartition("__")
            by_path.setdefault(path, []).append(field)
        condition = Q()
        for term in terms:
            any_field = Q()
            for path, fields in by_path.items():
                model = get_fields_from_path(queryset.model, path)[-1].related_model if path else queryset.model
                matching = search_term_in(model._default_manager.all(), fields, term).values("pk")
                any_field |= Q(**{f"{path}__in" if path else "pk__in": matching})
            for name in exact:
                any_field |= Q(**{f"{name}__iexact": term})
            condition &= any_field
        duplicates = any(lookup_spawns_duplicates(self.opts, path) for path in by_path if path)
        return queryset.filter(condition), duplicates


class ReadOnlyAdminMixin:
    """For records that are history (logs, amendments): viewable, never added, changed or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class WorkflowStatusReadOnlyMixin:
    """The workflow ``status`` may be set when adding; afterwards only the workflow
    (services and portal pages, which log each transition) changes it."""

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return readonly if obj is None else (*readonly, "status")


@admin.register(User)
class PortalUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("ポータルでの役割"), {"fields": ("role", "headquarters", "display_name")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("ポータルでの役割"), {"classes": ("wide",), "fields": ("role", "headquarters", "display_name")}),
    )
    list_display = ("username", "display_name", "email", "role", "headquarters", "is_active", "is_superuser")
    list_filter = ("role", *UserAdmin.list_filter)
    list_select_related = ("headquarters",)
    search_fields = (*UserAdmin.search_fields, "display_name")
    autocomplete_fields = ("headquarters",)
    actions = ("reset_two_factor",)

    @admin.action(description=_("2段階認証をリセット（認証アプリとリカバリーコードを削除）"), permissions=("change",))
    def reset_two_factor(self, request, queryset):
        """For a lost phone: the user sets up a new authenticator at the next login (required roles)
        or signs in with the password alone (optional roles). Each reset is in the user's history."""
        reset = 0
        for user in queryset:
            if two_factor_reset(user=user):
                self.log_change(request, user, gettext("2段階認証をリセットしました。"))
                reset += 1
        self.message_user(
            request,
            ngettext("%(count)d人の2段階認証をリセットしました。", "%(count)d人の2段階認証をリセットしました。", reset)
            % {"count": reset},
            messages.SUCCESS,
        )


@admin.register(TransitionLog)
class TransitionLogAdmin(SelectRelatedAdminMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "content_type", "object_id", "source_state", "target_state", "actor")
    list_filter = (("content_type", admin.RelatedOnlyFieldListFilter), "target_state")
    list_select_related = ("content_type", "actor")
    search_fields = ("object_id", "source_state", "target_state", "reason", "actor__username", "actor__display_name")
    date_hierarchy = "created_at"
    ordering = ("-created_at", "-pk")


@admin.register(SubmissionToken)
class SubmissionTokenAdmin(SelectRelatedAdminMixin, admin.ModelAdmin):
    """Used one-time form tokens (double-submit guard); read-only, kept only a few days."""

    list_display = ("token", "user", "redirect_url", "created_at")
    list_select_related = ("user",)
    search_fields = ("token", "user__username")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CspReport)
class CspReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Content-Security-Policy violations browsers reported: read-only, newest first."""

    list_display = ("received_at", "effective_directive", "blocked_uri", "document_uri", "source_file", "line_number")
    list_filter = ("effective_directive", "disposition")
    search_fields = ("blocked_uri", "document_uri", "source_file")
    date_hierarchy = "received_at"
