"""Joint research projects (産学官共同研究) and their participating organisations."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.models import RegionScopedQuerySet, Role, TimeStampedModel, scalar_count
from cluster_portal.text import SearchableQuerySetMixin
from cluster_portal.workflow import Transition, Workflow
from regions.models import Organization, Region


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("計画中")
    ACTIVE = "active", _("実施中")
    SUSPENDED = "suspended", _("中断")
    COMPLETED = "completed", _("完了")


_HQ_OR_MINISTRY = frozenset({Role.HEADQUARTERS, Role.MINISTRY, Role.ADMINISTRATOR})

PROJECT_WORKFLOW = Workflow(
    "status",
    ProjectStatus,
    [
        Transition(ProjectStatus.PLANNED, ProjectStatus.ACTIVE, _HQ_OR_MINISTRY),
        Transition(ProjectStatus.ACTIVE, ProjectStatus.SUSPENDED, _HQ_OR_MINISTRY, needs_reason=True),
        Transition(ProjectStatus.SUSPENDED, ProjectStatus.ACTIVE, _HQ_OR_MINISTRY),
        Transition(ProjectStatus.ACTIVE, ProjectStatus.COMPLETED, _HQ_OR_MINISTRY),
    ],
)


class ProjectQuerySet(SearchableQuerySetMixin, RegionScopedQuerySet):
    # The text search's fields; each has a trigram index on PostgreSQL (projects/migrations/0006).
    search_fields = ("code", "title", "title_en", "theme", "summary")
    search_title_fields = ("title", "title_en")
    # One GIN index on the characters of all of them, for words of 1–2 characters (projects/migrations/0015).
    character_index = search_fields

    def public_q(self):
        return Q(is_published=True, region__is_published=True)

    def for_list(self):
        return self.select_related("region", "host_organization")

    def with_counts(self):
        """``participant_count`` and ``outcome_count`` per project, each a correlated COUNT on its
        indexed foreign key: joining both tables and counting DISTINCT multiplied every project's
        participants by its results before grouping (the HQ project list at scale 10)."""
        from projects.models.outcomes import Outcome

        return self.annotate(
            participant_count=scalar_count(Participation.objects.filter(project=models.OuterRef("pk"))),
            outcome_count=scalar_count(Outcome.objects.filter(project=models.OuterRef("pk"))),
        )

    def for_detail(self):
        return self.select_related("region", "region__program", "host_organization")


class JointResearchProject(TimeStampedModel):
    """産学官共同研究: one joint research project of a region."""

    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="projects")
    code = models.CharField(
        _("プロジェクトコード"),
        max_length=30,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9-]*$", _("英数字とハイフンで入力してください。"))],
    )
    title = models.CharField(_("研究テーマ名"), max_length=300)
    title_en = models.CharField(_("英語のテーマ名"), max_length=300, blank=True)
    theme = models.CharField(_("分野"), max_length=100, blank=True, db_index=True)
    summary = models.TextField(_("概要"), blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED, db_index=True
    )
    start_date = models.DateField(_("開始日"))
    end_date = models.DateField(_("終了日"), null=True, blank=True)
    host_organization = models.ForeignKey(
        Organization,
        verbose_name=_("実施拠点（大学の共同研究センター等）"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_projects",
    )
    organizations = models.ManyToManyField(
        Organization, through="Participation", verbose_name=_("参画機関"), related_name="projects"
    )
    # Declared on the project so that regions (below projects) needs no projects model; the table
    # keeps the name it had when the field stood on Event.
    events = models.ManyToManyField(
        "regions.Event",
        verbose_name=_("発表したフォーラム・イベント"),
        blank=True,
        related_name="presented_projects",
        db_table="regions_event_presented_projects",
    )
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords()
    workflow = PROJECT_WORKFLOW

    class Meta:
        verbose_name = _("共同研究プロジェクト")
        verbose_name_plural = _("共同研究プロジェクト")
        ordering = ["code"]
        indexes = [
            models.Index(fields=["region", "status"]),
            # "last updated" of the public pages (public.stats.data_last_updated): newest first
            models.Index(fields=["updated_at"], name="project_updated_at_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="project_dates_in_order",
                violation_error_message=_("終了日は開始日以降にしてください。"),
            )
        ]

    def __str__(self):
        return f"{self.code} {self.title}"

    def get_absolute_url(self):
        return reverse("projects:detail", kwargs={"code": self.code})


class ParticipationRole(models.TextChoices):
    LEAD_UNIVERSITY = "lead_university", _("代表大学")
    UNIVERSITY = "university", _("大学等")
    COMPANY = "company", _("企業")
    PUBLIC_RESEARCH = "public_research", _("公設試験研究機関")
    OTHER = "other", _("その他")


class ParticipationQuerySet(RegionScopedQuerySet):
    region_lookup = "project__region"

    def public_q(self):
        return Q(project__is_published=True, project__region__is_published=True)

    def roster(self):
        """Lead university first, then the other roles in their declared order, by organisation name."""
        rank = models.Case(
            *(models.When(role=code, then=models.Value(i)) for i, code in enumerate(ParticipationRole.values)),
            default=models.Value(len(ParticipationRole.values)),
            output_field=models.IntegerField(),
        )
        return (
            self.select_related("organization").alias(role_rank=rank).order_by("role_rank", "organization__name", "pk")
        )


class Participation(models.Model):
    project = models.ForeignKey(
        JointResearchProject, verbose_name=_("プロジェクト"), on_delete=models.CASCADE, related_name="participations"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("機関"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("役割"), max_length=20, choices=ParticipationRole.choices)

    objects = ParticipationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参画")
        verbose_name_plural = _("参画")
        ordering = ["project", "role", "organization__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "organization"],
                name="participation_unique",
                violation_error_message=_("この機関は既にこのプロジェクトに参画しています。"),
            )
        ]

    def __str__(self):
        return f"{self.organization}（{self.get_role_display()}）"
