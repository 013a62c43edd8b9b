"""Results of the projects (成果): patents, licences, commercialisation, start-ups,
papers, presentations, awards."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.models import RegionScopedQuerySet, TimeStampedModel, public_code
from cluster_portal.text import SearchableQuerySetMixin
from projects.models.projects import JointResearchProject
from regions.models import Organization


class OutcomeKind(models.TextChoices):
    PATENT_APPLICATION = "patent_application", _("特許出願")
    PATENT_GRANTED = "patent_granted", _("特許登録")
    LICENSE = "license", _("ライセンス")
    COMMERCIALIZATION = "commercialization", _("事業化・製品化")
    STARTUP = "startup", _("起業（ベンチャー）")
    PAPER = "paper", _("論文")
    PRESENTATION = "presentation", _("学会発表")
    AWARD = "award", _("受賞")


def new_outcome_code() -> str:
    return public_code("R")


DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
doi_validator = RegexValidator(DOI_PATTERN, _("DOIの形式が正しくありません（例: 10.1234/abc.2008.001）。"))


class OutcomeQuerySet(SearchableQuerySetMixin, RegionScopedQuerySet):
    region_lookup = "project__region"
    # The text search's fields; each has a trigram index on PostgreSQL (projects/migrations/0006).
    # The result code, DOI and patent numbers too, so 「10.1234/…」 or 「特願2005-…」 finds the result.
    search_fields = (
        "title",
        "title_en",
        "description",
        "product",
        "applicants",
        "inventors",
        "code",
        "doi",
        "application_number",
        "registration_number",
    )
    search_title_fields = ("title", "title_en")
    # One GIN index on the characters of all of them, for words of 1–2 characters (projects/migrations/0015).
    character_index = search_fields

    def public_q(self):
        return Q(is_published=True, project__is_published=True, project__region__is_published=True)

    def patents(self):
        return self.filter(kind__in=[OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED])

    def counts_by_kind(self) -> dict[str, int]:
        """``{kind code: number}`` in one aggregate query."""
        rows = self.order_by().values("kind").annotate(n=models.Count("pk"))
        return {row["kind"]: row["n"] for row in rows}

    def result_figures(self) -> dict[str, int]:
        """Patents filed (applications and granted patents), patents granted and commercialisations."""
        patent_kinds = [OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED]
        return self.order_by().aggregate(
            patents_filed=models.Count("pk", filter=Q(kind__in=patent_kinds)),
            patents_granted=models.Count("pk", filter=Q(kind=OutcomeKind.PATENT_GRANTED)),
            commercializations=models.Count("pk", filter=Q(kind=OutcomeKind.COMMERCIALIZATION)),
        )


class Outcome(TimeStampedModel):
    """成果: a result of a project (patent, licence, product, start-up, paper ...)."""

    project = models.ForeignKey(
        JointResearchProject, verbose_name=_("プロジェクト"), on_delete=models.PROTECT, related_name="outcomes"
    )
    code = models.CharField(_("成果コード"), max_length=20, unique=True, default=new_outcome_code, editable=False)
    kind = models.CharField(_("種別"), max_length=20, choices=OutcomeKind.choices, db_index=True)
    title = models.CharField(_("名称"), max_length=300)
    title_en = models.CharField(_("英語名"), max_length=300, blank=True)
    occurred_on = models.DateField(_("年月日"), db_index=True, help_text=_("出願日・発表日・発売日など"))
    description = models.TextField(_("概要"), blank=True)
    application_number = models.CharField(_("出願番号"), max_length=50, blank=True)
    registration_number = models.CharField(_("登録番号"), max_length=50, blank=True)
    granted_on = models.DateField(_("登録日"), null=True, blank=True)
    country = models.CharField(_("出願国"), max_length=50, blank=True)
    applicants = models.CharField(_("出願人"), max_length=300, blank=True)
    inventors = models.CharField(_("発明者"), max_length=300, blank=True)
    doi = models.CharField(_("DOI"), max_length=200, blank=True, validators=[doi_validator])
    product = models.CharField(_("製品・サービス名"), max_length=200, blank=True)
    company = models.ForeignKey(
        Organization,
        verbose_name=_("企業"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="outcomes",
    )
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)

    objects = OutcomeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("成果")
        verbose_name_plural = _("成果")
        ordering = ["-occurred_on", "pk"]
        indexes = [
            models.Index(fields=["kind", "occurred_on"]),
            # the newest results first (home, results browser, cluster page) and "last updated"
            models.Index(fields=["-occurred_on", "-id"], name="outcome_newest_idx"),
            models.Index(fields=["updated_at"], name="outcome_updated_at_idx"),
            # a project's results in a fiscal year: the rollup refresh of one region × year (projects/rollups.py)
            models.Index(fields=["project", "occurred_on"], name="outcome_project_date_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["country", "application_number"],
                condition=~Q(application_number=""),
                name="outcome_unique_application_number",
                violation_error_message=_("この出願番号は既に登録されています。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind=OutcomeKind.PATENT_GRANTED) | ~Q(registration_number=""),
                name="outcome_granted_patent_has_registration",
                violation_error_message=_("特許登録には登録番号が必要です。"),
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = {}
        if self.kind in (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED) and not self.application_number:
            errors["application_number"] = _("特許には出願番号を入力してください。")
        if self.kind == OutcomeKind.PATENT_GRANTED and not self.registration_number:
            errors["registration_number"] = _("特許登録には登録番号を入力してください。")
        if self.kind == OutcomeKind.PAPER and self.doi and not DOI_PATTERN.match(self.doi):
            errors["doi"] = _("DOIの形式が正しくありません（例: 10.1234/abc.2008.001）。")
        today = timezone.localdate()
        for name in ("occurred_on", "granted_on"):
            day = getattr(self, name)
            if day is not None and day > today:
                errors[name] = _("今日（%(today)s）より後の日付は入力できません。") % {"today": today.isoformat()}
        if errors:
            raise ValidationError(errors)

    @property
    def is_patent(self) -> bool:
        return self.kind in (OutcomeKind.PATENT_APPLICATION, OutcomeKind.PATENT_GRANTED)
