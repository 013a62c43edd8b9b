"""Science & technology coordinators (科学技術コーディネータ「目利き」), advisors
such as patent attorneys (弁理士), and their seeds-needs matching activities."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.models import RegionScopedQuerySet, TimeStampedModel, public_code
from projects.models import JointResearchProject
from regions.models import Organization, Region


class CoordinatorKind(models.TextChoices):
    COORDINATOR = "coordinator", _("科学技術コーディネータ")
    PATENT_ATTORNEY = "patent_attorney", _("弁理士")
    ADVISOR = "advisor", _("アドバイザー")


class CoordinatorQuerySet(RegionScopedQuerySet):
    def public_q(self):
        return Q(is_published=True, region__is_published=True)

    def for_list(self):
        return self.select_related("region", "affiliation")


class Coordinator(TimeStampedModel):
    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="coordinators")
    code = models.SlugField(_("識別子"), max_length=40, unique=True)
    kind = models.CharField(_("種別"), max_length=20, choices=CoordinatorKind.choices, db_index=True)
    name = models.CharField(_("氏名"), max_length=100)
    name_en = models.CharField(_("英語の氏名"), max_length=100, blank=True)
    expertise = models.CharField(_("専門分野"), max_length=300, blank=True)
    affiliation = models.ForeignKey(
        Organization, verbose_name=_("所属"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    term_start = models.DateField(_("任期開始"), null=True, blank=True)
    term_end = models.DateField(_("任期終了"), null=True, blank=True)
    profile = models.TextField(_("経歴・紹介"), blank=True)
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)
    is_generated = models.BooleanField(_("デモ用の生成データ"), default=False)

    objects = CoordinatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("コーディネータ・アドバイザー")
        verbose_name_plural = _("コーディネータ・アドバイザー")
        ordering = ["region", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_start__isnull=True) | Q(term_end__gte=F("term_start")),
                name="coordinator_term_in_order",
                violation_error_message=_("任期終了日は任期開始日以降にしてください。"),
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"


class ActivityResult(models.TextChoices):
    JOINT_RESEARCH = "joint_research", _("共同研究の開始")
    CONTINUED = "continued", _("継続協議")
    LICENSE = "license", _("技術移転・ライセンス")
    NO_MATCH = "no_match", _("成立せず")


class CoordinationActivityQuerySet(RegionScopedQuerySet):
    region_lookup = "coordinator__region"

    def public_q(self):
        return Q(coordinator__is_published=True, coordinator__region__is_published=True)

    def for_list(self):
        return self.select_related("coordinator", "resulting_project").prefetch_related("organizations")

    def created_projects_count(self) -> int:
        """How many distinct joint research projects these matching activities led to (one query)."""
        return (
            self.filter(resulting_project__isnull=False)
            .order_by()
            .aggregate(n=models.Count("resulting_project", distinct=True))["n"]
        )


def new_activity_code() -> str:
    return public_code("A")


class CoordinationActivity(TimeStampedModel):
    """A seeds-needs matching meeting between university researchers and companies.

    Its code is the key the spreadsheet round trip keeps (a corrected 件名 stays the same activity).
    """

    coordinator = models.ForeignKey(
        Coordinator, verbose_name=_("コーディネータ"), on_delete=models.PROTECT, related_name="activities"
    )
    held_on = models.DateField(_("実施日"), db_index=True)
    title = models.CharField(_("件名"), max_length=200)
    organizations = models.ManyToManyField(
        Organization, verbose_name=_("面談した機関"), related_name="coordination_activities"
    )
    result = models.CharField(_("結果"), max_length=20, choices=ActivityResult.choices)
    note = models.TextField(_("内容"), blank=True)
    resulting_project = models.ForeignKey(
        JointResearchProject,
        verbose_name=_("つながったプロジェクト"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="originating_activities",
    )
    code = models.CharField(_("活動コード"), max_length=20, unique=True, default=new_activity_code, editable=False)

    objects = CoordinationActivityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("コーディネート活動")
        verbose_name_plural = _("コーディネート活動")
        ordering = ["-held_on", "pk"]

    def __str__(self):
        return f"{self.held_on} {self.title}"

    def clean(self):
        """An activity lies within its coordinator's term, where the term is set."""
        if self.held_on is None or self.coordinator_id is None:
            return
        start, end = self.coordinator.term_start, self.coordinator.term_end
        if (start and self.held_on < start) or (end and self.held_on > end):
            term = f"{start.isoformat() if start else ''}〜{end.isoformat() if end else ''}"
            raise ValidationError(
                {"held_on": _("実施日はコーディネータの任期（%(term)s）内の日付にしてください。") % {"term": term}}
            )
