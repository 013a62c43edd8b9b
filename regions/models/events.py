"""Forums and results presentations (フォーラム・成果発表会) of a region."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.models import RegionScopedQuerySet, TimeStampedModel, public_code
from cluster_portal.text import SearchableQuerySetMixin
from regions.models.clusters import Region


class EventKind(models.TextChoices):
    FORUM = "forum", _("フォーラム")
    RESULTS = "results", _("成果発表会")
    SEMINAR = "seminar", _("セミナー")
    EXHIBITION = "exhibition", _("展示会")
    OTHER = "other", _("その他")


def new_event_code() -> str:
    return public_code("E")


class EventQuerySet(SearchableQuerySetMixin, RegionScopedQuerySet):
    # The text search's fields; each has a trigram index on PostgreSQL (regions/migrations/0005).
    search_fields = ("title", "title_en", "venue", "organizer", "description")
    search_title_fields = ("title", "title_en")
    # One GIN index on the characters of all of them, for words of 1–2 characters (regions/migrations/0014).
    character_index = search_fields

    def public_q(self):
        return Q(is_published=True, region__is_published=True)


class Event(TimeStampedModel):
    """Forums and results presentations (フォーラム・成果発表会)."""

    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="events")
    code = models.CharField(_("イベントコード"), max_length=20, unique=True, default=new_event_code, editable=False)
    kind = models.CharField(_("種別"), max_length=15, choices=EventKind.choices, default=EventKind.FORUM)
    title = models.CharField(_("名称"), max_length=200)
    title_en = models.CharField(_("英語名"), max_length=200, blank=True)
    starts_on = models.DateField(_("開催日"), db_index=True)
    ends_on = models.DateField(_("終了日"), null=True, blank=True)
    venue = models.CharField(_("会場"), max_length=200, blank=True)
    organizer = models.CharField(_("主催"), max_length=200, blank=True)
    attendance = models.PositiveIntegerField(_("参加者数"), null=True, blank=True)
    description = models.TextField(_("概要"), blank=True)
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)

    objects = EventQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("フォーラム・イベント")
        verbose_name_plural = _("フォーラム・イベント")
        ordering = ["-starts_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="event_dates_in_order",
                violation_error_message=_("終了日は開催日以降にしてください。"),
            )
        ]

    def __str__(self):
        return self.title
