"""Prefectures (JIS X 0401) and the organisations around a cluster."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from cluster_portal.models import TimeStampedModel
from cluster_portal.text import Normalized, SearchableQuerySetMixin, normalize


class Prefecture(models.Model):
    code = models.CharField(_("都道府県コード"), max_length=2, unique=True, help_text=_("JIS X 0401"))
    name = models.CharField(_("名称"), max_length=10, unique=True)
    name_en = models.CharField(_("英語名"), max_length=20)
    area = models.CharField(_("地方"), max_length=10)

    class Meta:
        verbose_name = _("都道府県")
        verbose_name_plural = _("都道府県")
        ordering = ["code"]

    def __str__(self):
        return self.name


class OrganizationKind(models.TextChoices):
    LOCAL_GOVERNMENT = "local_government", _("地方公共団体")
    CORE_INSTITUTION = "core_institution", _("中核機関")
    UNIVERSITY = "university", _("大学等")
    COMPANY = "company", _("企業")
    PUBLIC_RESEARCH = "public_research", _("公設試験研究機関")
    ECONOMIC = "economic", _("経済団体")
    OTHER = "other", _("その他")


class OrganizationQuerySet(SearchableQuerySetMixin, models.QuerySet):
    # The text search's fields; each has a trigram index on PostgreSQL (regions/migrations/0005).
    search_fields = ("name", "name_en")
    search_title_fields = ("name", "name_en")
    # One GIN index on the characters of both, for words of 1–2 characters (regions/migrations/0014).
    character_index = search_fields

    def named(self, names):
        """Organisations whose name is one of ``names``, both sides normalised (``cluster_portal.text``).

        So 「(デモ)静岡先端技術大学」, 「（デモ）静岡先端技術大学」 and 「（デモ）静岡先端技術大学　」
        all find the organisation stored as 「（デモ）静岡先端技術大学」: full-width and half-width
        forms, and white space (full-width spaces too), do not matter.
        """
        keys = {normalize(name) for name in names} - {""}
        return self.alias(_normalized_name=Normalized("name")).filter(_normalized_name__in=keys)


class Organization(TimeStampedModel):
    name = models.CharField(_("名称"), max_length=200)
    name_en = models.CharField(_("英語名"), max_length=200, blank=True)
    kind = models.CharField(_("種別"), max_length=20, choices=OrganizationKind.choices, db_index=True)
    slug = models.SlugField(_("識別子"), max_length=120, unique=True, allow_unicode=False)
    prefecture = models.ForeignKey(
        Prefecture, verbose_name=_("所在都道府県"), on_delete=models.PROTECT, null=True, blank=True
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上位組織"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        help_text=_("例: 大学の共同研究センターの場合はその大学"),
    )
    url = models.URLField(_("ウェブサイト"), blank=True)
    is_generated = models.BooleanField(
        _("デモ用の生成データ"), default=False, help_text=_("公開資料に基づかない、デモのために生成した値")
    )

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("機関")
        verbose_name_plural = _("機関")
        ordering = ["kind", "name"]
        # The organisation list and search sort by kind, then name (cluster_portal/public/views/browse.py).
        indexes = [models.Index(fields=["kind", "name"], name="organization_kind_name_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["name", "kind"],
                name="organization_unique_name_kind",
                violation_error_message=_("同じ種別・名称の機関が既に登録されています。"),
            )
        ]

    def __str__(self):
        return self.name
