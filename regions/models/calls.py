"""Programs and their calls for proposals (公募): dates, envelopes per fiscal year, review criteria."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.fields import fiscal_year_field, yen_field, yen_range
from cluster_portal.fiscal import fiscal_year_label
from cluster_portal.models import TimeStampedModel, sees_everything


class Program(TimeStampedModel):
    """A phase of the programme (第I期, 第II期, グローバル拠点育成型)."""

    code = models.SlugField(_("コード"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英語名"), max_length=200, blank=True)
    start_fiscal_year = fiscal_year_field(_("開始年度"))
    end_fiscal_year = fiscal_year_field(_("終了年度"), null=True, blank=True)
    description = models.TextField(_("説明"), blank=True)

    class Meta:
        verbose_name = _("事業（期）")
        verbose_name_plural = _("事業（期）")
        ordering = ["start_fiscal_year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_fiscal_year__isnull=True) | Q(end_fiscal_year__gte=models.F("start_fiscal_year")),
                name="program_years_in_order",
                violation_error_message=_("終了年度は開始年度以降にしてください。"),
            )
        ]

    def __str__(self):
        return self.name


#: Every date of a call (opens, closes, review deadline) is a day in Japan: a call accepts from
#: 00:00 JST of its opening date until 23:59:59 JST of its closing date, and reviews may be edited
#: until 23:59:59 JST of the review deadline, whatever the server's or the user's time zone.
CALL_TIME_ZONE = ZoneInfo("Asia/Tokyo")


def call_day(now: datetime.datetime | None = None) -> datetime.date:
    """The day in Japan (Asia/Tokyo) at ``now`` (default: this moment): what a call's dates are compared with."""
    return timezone.localtime(now or timezone.now(), CALL_TIME_ZONE).date()


class CallStatus(models.TextChoices):
    """The hand-set part of a call's state: announced or not, and closed early by the ministry.

    Whether an announced call accepts proposals, is in review or is over follows from its
    dates (``Call.phase``); the status alone never reopens a call past its closing date."""

    DRAFT = "draft", _("準備中")
    OPEN = "open", _("公募中")
    CLOSED = "closed", _("締切")


class CallPhase(models.TextChoices):
    """A call's effective state on a given day, derived from its status and its dates."""

    DRAFT = "draft", _("準備中")
    UPCOMING = "upcoming", _("受付開始前")
    ACCEPTING = "accepting", _("受付中")
    REVIEWING = "reviewing", _("審査中")
    CLOSED = "closed", _("終了")


class CallQuerySet(models.QuerySet):
    def accepting_on(self, day):
        """Calls that accept proposals on ``day`` (a JST date, see ``call_day``)."""
        return self.filter(status=CallStatus.OPEN, opens_on__lte=day, closes_on__gte=day)

    def visible_to(self, user):
        """A call being prepared (準備中) is the ministry's until it is announced; an announced
        call (open or closed) is known to every signed-in user. Not shown on the public site."""
        if sees_everything(user):
            return self.all()
        if user is None or not user.is_authenticated:
            return self.none()
        return self.exclude(status=CallStatus.DRAFT)


class Call(TimeStampedModel):
    """A call for proposals (公募)."""

    program = models.ForeignKey(Program, verbose_name=_("事業（期）"), on_delete=models.PROTECT, related_name="calls")
    code = models.SlugField(_("コード"), max_length=40, unique=True)
    title = models.CharField(_("公募名"), max_length=200)
    fiscal_year = fiscal_year_field(db_index=True)
    opens_on = models.DateField(_("受付開始日"))
    closes_on = models.DateField(_("受付締切日"))
    review_closes_on = models.DateField(
        _("審査締切日"),
        null=True,
        blank=True,
        help_text=_("この日まで審査委員は評点を編集できます。空欄の場合は採択決定まで編集できます。"),
    )
    status = models.CharField(_("状態"), max_length=10, choices=CallStatus.choices, default=CallStatus.DRAFT)
    description = models.TextField(_("公募要領"), blank=True)

    objects = CallQuerySet.as_manager()
    history = HistoricalRecords(excluded_fields=["description"])

    class Meta:
        verbose_name = _("公募")
        verbose_name_plural = _("公募")
        ordering = ["-fiscal_year", "code"]
        constraints = [
            # Two calls of one program with one title cannot be told apart in the grant form.
            models.UniqueConstraint(
                fields=["program", "title"],
                name="call_unique_title_per_program",
                violation_error_message=_(
                    "この事業（期）には同じ公募名の公募が既にあります。別の公募名にしてください。"
                ),
            ),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="call_dates_in_order",
                violation_error_message=_("受付締切日は受付開始日以降にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(review_closes_on__isnull=True) | Q(review_closes_on__gte=models.F("closes_on")),
                name="call_review_after_submission",
                violation_error_message=_("審査締切日は受付締切日以降にしてください。"),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("ministry:call_detail", kwargs={"code": self.code})

    def is_accepting(self, day) -> bool:
        return self.status == CallStatus.OPEN and self.opens_on <= day <= self.closes_on

    def is_review_open(self, day) -> bool:
        """Reviewers may still edit their scores on ``day`` (until the review closing date, if any)."""
        return self.review_closes_on is None or day <= self.review_closes_on

    def phase(self, day: datetime.date | None = None) -> str:
        """The effective state on ``day`` (a JST date; default today in Japan), a ``CallPhase`` code.

        準備中 while not announced; 受付開始前 before the opening date; 受付中 from the opening to
        the closing date (unless the ministry closed it early, 締切); then 審査中 until the review
        deadline (with no deadline: until every proposal is decided); 終了 after it."""
        day = day or call_day()
        if self.status == CallStatus.DRAFT:
            return CallPhase.DRAFT
        if day < self.opens_on:
            return CallPhase.UPCOMING
        if self.is_accepting(day):
            return CallPhase.ACCEPTING
        if self.review_closes_on is not None and day > self.review_closes_on:
            return CallPhase.CLOSED
        return CallPhase.REVIEWING

    def phase_label(self, day: datetime.date | None = None) -> str:
        return CallPhase(self.phase(day)).label


class CallBudget(models.Model):
    """The budget envelope of a call for one fiscal year (予算枠)."""

    call = models.ForeignKey(Call, verbose_name=_("公募"), on_delete=models.PROTECT, related_name="budgets")
    fiscal_year = fiscal_year_field()
    envelope = yen_field(_("予算枠（円）"))

    class Meta:
        verbose_name = _("公募の年度別予算枠")
        verbose_name_plural = _("公募の年度別予算枠")
        ordering = ["call", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["call", "fiscal_year"], name="callbudget_unique_year"),
            yen_range("envelope", "callbudget"),
        ]

    def __str__(self):
        return f"{self.call} {fiscal_year_label(self.fiscal_year)}"


class ReviewCriterion(models.Model):
    call = models.ForeignKey(Call, verbose_name=_("公募"), on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("評価項目"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("重み"), default=1, validators=[MinValueValidator(1)])
    max_score = models.PositiveSmallIntegerField(
        _("最高点"), default=5, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    order = models.PositiveSmallIntegerField(_("表示順"), default=0)

    class Meta:
        verbose_name = _("評価項目")
        verbose_name_plural = _("評価項目")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="criterion_unique_name"),
            models.CheckConstraint(condition=Q(weight__gte=1), name="criterion_weight_positive"),
        ]

    def __str__(self):
        return self.name


class ReviewDeadlineExtension(models.Model):
    """The ministry moved a call's review deadline (審査締切日の延長): who, when, from which date, why."""

    call = models.ForeignKey(
        Call, verbose_name=_("公募"), on_delete=models.CASCADE, related_name="review_deadline_extensions"
    )
    previous_date = models.DateField(_("変更前の審査締切日"), null=True, blank=True)
    new_date = models.DateField(_("新しい審査締切日"))
    reason = models.TextField(_("延長の理由"))
    extended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("延長した担当者"), on_delete=models.PROTECT, related_name="+"
    )
    extended_at = models.DateTimeField(_("延長日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("審査締切日の延長")
        verbose_name_plural = _("審査締切日の延長")
        ordering = ["call", "-extended_at", "-pk"]

    def __str__(self):
        return f"{self.call}: {self.previous_date} → {self.new_date}"
