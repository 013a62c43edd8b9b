"""Regions (clusters), the organisations around them, calls, proposals,
reviews, selection, grants, evaluations, related measures and events."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.fiscal import fiscal_year_label
from cluster_portal.models import RegionScopedQuerySet, Role, TimeStampedModel, public_code
from cluster_portal.workflow import Transition, Workflow

FISCAL_YEAR_VALIDATORS = [MinValueValidator(1990), MaxValueValidator(2100)]


FISCAL_YEAR = _("年度")


def fiscal_year_field(verbose_name=FISCAL_YEAR, **kwargs):
    return models.PositiveSmallIntegerField(verbose_name, validators=FISCAL_YEAR_VALIDATORS, **kwargs)


def yen_field(verbose_name, **kwargs):
    """Money is integer yen; the non-negative rule is also a CheckConstraint on each model."""
    kwargs.setdefault("default", 0)
    return models.BigIntegerField(verbose_name, validators=[MinValueValidator(0)], **kwargs)


def non_negative(field: str, model: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0}),
        name=f"{model}_{field}_non_negative",
        violation_error_message=_("金額は0円以上で入力してください。"),
    )


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


class OrganizationQuerySet(models.QuerySet):
    def search(self, text: str):
        return self.filter(Q(name__icontains=text) | Q(name_en__icontains=text))


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


class CallStatus(models.TextChoices):
    DRAFT = "draft", _("準備中")
    OPEN = "open", _("公募中")
    CLOSED = "closed", _("締切")


class CallQuerySet(models.QuerySet):
    def accepting_on(self, day):
        return self.filter(status=CallStatus.OPEN, opens_on__lte=day, closes_on__gte=day)


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

    class Meta:
        verbose_name = _("公募")
        verbose_name_plural = _("公募")
        ordering = ["-fiscal_year", "code"]
        constraints = [
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
            non_negative("envelope", "callbudget"),
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


class ClusterType(models.TextChoices):
    GLOBAL = "global", _("グローバル型")
    REGIONAL = "regional", _("地域特性型")


class RegionStatus(models.TextChoices):
    PLANNING = "planning", _("構想中")
    ACTIVE = "active", _("実施中")
    COMPLETED = "completed", _("終了")
    DISCONTINUED = "discontinued", _("中止")


REGION_WORKFLOW = Workflow(
    "status",
    RegionStatus,
    [
        Transition(RegionStatus.PLANNING, RegionStatus.ACTIVE, frozenset({Role.MINISTRY, Role.ADMINISTRATOR})),
        # A region whose earlier phase ended is selected again for a new phase.
        Transition(RegionStatus.COMPLETED, RegionStatus.ACTIVE, frozenset({Role.MINISTRY, Role.ADMINISTRATOR})),
        Transition(RegionStatus.ACTIVE, RegionStatus.COMPLETED, frozenset({Role.MINISTRY, Role.ADMINISTRATOR})),
        Transition(
            RegionStatus.ACTIVE,
            RegionStatus.DISCONTINUED,
            frozenset({Role.MINISTRY, Role.ADMINISTRATOR}),
            needs_reason=True,
        ),
    ],
)


class RegionQuerySet(RegionScopedQuerySet):
    region_lookup = "pk"

    def public_q(self):
        return Q(is_published=True)

    def of_region(self, region_id):
        return self.filter(pk=region_id)

    def visible_to(self, user):
        from cluster_portal.models import own_region_id, sees_everything

        if sees_everything(user):
            return self.all()
        region_id = own_region_id(user)
        if region_id is not None:
            return self.filter(Q(is_published=True) | Q(pk=region_id))
        return self.published()

    def for_list(self):
        return self.select_related("program", "core_institution").prefetch_related("prefectures")

    def for_detail(self):
        """Everything the cluster detail page shows about the region itself, in two queries."""
        return self.select_related("program", "core_institution", "designated_by", "headquarters").prefetch_related(
            "prefectures"
        )

    def search(self, text: str):
        """Regions whose names, cluster name, theme or prefecture contain every word of ``text``.

        Either language; the query and the stored text are NFKC-normalised, so 「ﾅﾉ」 finds 「ナノ」.
        """
        from cluster_portal.text import NFKC, normalize

        words = normalize(text).split()
        if not words:
            return self
        fields = ("name", "name_en", "cluster_name", "cluster_name_en", "theme", "theme_en")
        queryset = self.alias(**{f"_nfkc_{field}": NFKC(field) for field in fields})
        prefectures = Region.prefectures.through.objects.alias(
            _nfkc_name=NFKC("prefecture__name"), _nfkc_name_en=NFKC("prefecture__name_en")
        )
        for word in words:
            in_prefecture = prefectures.filter(Q(_nfkc_name__icontains=word) | Q(_nfkc_name_en__icontains=word)).values(
                "region_id"
            )
            any_field = Q(pk__in=in_prefecture)
            for field in fields:
                any_field |= Q(**{f"_nfkc_{field}__icontains": word})
            queryset = queryset.filter(any_field)
        return queryset

    def filter_list(
        self,
        *,
        program_code: str = "",
        cluster_type: str = "",
        status: str = "",
        text: str = "",
        prefecture_code: str = "",
        fiscal_year: int | None = None,
        theme: str = "",
    ):
        """The filters of the public cluster list; empty values do not filter."""
        queryset = self
        if program_code:
            queryset = queryset.filter(program__code=program_code)
        if cluster_type:
            queryset = queryset.filter(cluster_type=cluster_type)
        if status:
            queryset = queryset.filter(status=status)
        if prefecture_code:
            queryset = queryset.filter(
                pk__in=Region.prefectures.through.objects.filter(prefecture__code=prefecture_code).values("region_id")
            )
        if fiscal_year:
            queryset = queryset.filter(selected_fiscal_year=fiscal_year)
        if theme:
            queryset = queryset.filter(theme=theme)
        return queryset.search(text)


class Region(TimeStampedModel):
    """A cluster region (知的クラスター): the unit that is selected and funded."""

    slug = models.SlugField(_("識別子"), max_length=80, unique=True)
    name = models.CharField(_("地域名"), max_length=100)
    name_en = models.CharField(_("英語の地域名"), max_length=200, blank=True)
    program = models.ForeignKey(Program, verbose_name=_("事業（期）"), on_delete=models.PROTECT, related_name="regions")
    cluster_name = models.CharField(_("クラスター名"), max_length=200, blank=True)
    cluster_name_en = models.CharField(_("英語のクラスター名"), max_length=200, blank=True)
    theme = models.CharField(_("テーマ・分野"), max_length=200, blank=True, db_index=True)
    theme_en = models.CharField(_("英語のテーマ"), max_length=200, blank=True)
    concept = models.TextField(_("クラスター構想"), blank=True)
    concept_en = models.TextField(_("クラスター構想（英語）"), blank=True)
    cluster_type = models.CharField(
        _("類型"), max_length=10, choices=ClusterType.choices, default=ClusterType.REGIONAL, db_index=True
    )
    status = models.CharField(
        _("状態"), max_length=15, choices=RegionStatus.choices, default=RegionStatus.PLANNING, db_index=True
    )
    prefectures = models.ManyToManyField(Prefecture, verbose_name=_("都道府県"), related_name="regions")
    core_institution = models.ForeignKey(
        Organization,
        verbose_name=_("中核機関"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="core_of_regions",
    )
    designated_by = models.ForeignKey(
        Organization,
        verbose_name=_("中核機関を指定した地方公共団体"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="designated_regions",
    )
    selected_fiscal_year = fiscal_year_field(_("採択年度"), null=True, blank=True, db_index=True)
    start_fiscal_year = fiscal_year_field(_("事業開始年度"), null=True, blank=True)
    end_fiscal_year = fiscal_year_field(_("事業終了年度"), null=True, blank=True)
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)
    source = models.CharField(_("出典"), max_length=300, blank=True, help_text=_("事実の出典（URL、報道等）"))

    objects = RegionQuerySet.as_manager()
    workflow = REGION_WORKFLOW

    class Meta:
        verbose_name = _("地域（クラスター）")
        verbose_name_plural = _("地域（クラスター）")
        ordering = ["program__start_fiscal_year", "selected_fiscal_year", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_fiscal_year__isnull=True)
                | Q(start_fiscal_year__isnull=True)
                | Q(end_fiscal_year__gte=models.F("start_fiscal_year")),
                name="region_years_in_order",
                violation_error_message=_("事業終了年度は事業開始年度以降にしてください。"),
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("regions:detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        return self.cluster_name or self.name


class Position(models.TextChoices):
    DIRECTOR = "director", _("本部長")
    PROGRAM_MANAGER = "program_manager", _("事業総括")
    RESEARCH_DIRECTOR = "research_director", _("研究統括")
    OTHER = "other", _("その他")


class Headquarters(TimeStampedModel):
    """The cluster headquarters (知的クラスターの本部) set up by the core institution."""

    region = models.OneToOneField(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="headquarters")
    name = models.CharField(_("本部名"), max_length=200)
    address = models.CharField(_("所在地"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("クラスター本部")
        verbose_name_plural = _("クラスター本部")
        ordering = ["region__name"]

    def __str__(self):
        return self.name


class HeadquartersMemberQuerySet(RegionScopedQuerySet):
    region_lookup = "headquarters__region"

    def public_q(self):
        return Q(headquarters__region__is_published=True)

    def roster(self):
        """本部長, 事業総括, 研究統括, then others; each by term."""
        rank = models.Case(
            *(models.When(position=code, then=models.Value(i)) for i, code in enumerate(Position.values)),
            default=models.Value(len(Position.values)),
            output_field=models.IntegerField(),
        )
        return self.alias(position_rank=rank).order_by("position_rank", "term_start", "pk")


class HeadquartersMember(models.Model):
    headquarters = models.ForeignKey(
        Headquarters, verbose_name=_("本部"), on_delete=models.CASCADE, related_name="members"
    )
    position = models.CharField(_("役職"), max_length=20, choices=Position.choices)
    name = models.CharField(_("氏名"), max_length=100)
    affiliation = models.CharField(_("所属・役職"), max_length=200, blank=True)
    term_start = models.DateField(_("任期開始"), null=True, blank=True)
    term_end = models.DateField(_("任期終了"), null=True, blank=True)
    is_generated = models.BooleanField(_("デモ用の生成データ"), default=False)

    objects = HeadquartersMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("本部の役員")
        verbose_name_plural = _("本部の役員")
        ordering = ["headquarters", "position", "term_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="hqmember_term_in_order",
                violation_error_message=_("任期終了日は任期開始日以降にしてください。"),
            )
        ]

    def __str__(self):
        return f"{self.get_position_display()} {self.name}"


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    SUBMITTED = "submitted", _("提出済み")
    UNDER_REVIEW = "under_review", _("審査中")
    SELECTED = "selected", _("採択")
    NOT_SELECTED = "not_selected", _("不採択")
    WITHDRAWN = "withdrawn", _("取り下げ")


_MINISTRY = frozenset({Role.MINISTRY})
_APPLICANT = frozenset({Role.HEADQUARTERS})

PROPOSAL_WORKFLOW = Workflow(
    "status",
    ProposalStatus,
    [
        Transition(ProposalStatus.DRAFT, ProposalStatus.SUBMITTED, _APPLICANT),
        Transition(ProposalStatus.SUBMITTED, ProposalStatus.UNDER_REVIEW, _MINISTRY),
        Transition(ProposalStatus.UNDER_REVIEW, ProposalStatus.SELECTED, _MINISTRY, needs_reason=True),
        Transition(ProposalStatus.UNDER_REVIEW, ProposalStatus.NOT_SELECTED, _MINISTRY, needs_reason=True),
        Transition(ProposalStatus.DRAFT, ProposalStatus.WITHDRAWN, _APPLICANT),
        Transition(ProposalStatus.SUBMITTED, ProposalStatus.WITHDRAWN, _APPLICANT),
        Transition(ProposalStatus.UNDER_REVIEW, ProposalStatus.WITHDRAWN, _APPLICANT),
    ],
)


class ProposalQuerySet(RegionScopedQuerySet):
    """Proposals are never public: only the applicant region, assigned reviewers and the ministry."""

    def public_q(self):
        return Q(pk__in=[])

    def visible_to(self, user):
        if user is not None and user.is_authenticated and user.is_reviewer:
            return self.filter(review_assignments__reviewer=user, review_assignments__has_conflict=False).distinct()
        return super().visible_to(user)


class Proposal(TimeStampedModel):
    """A region's cluster-concept proposal (提案書) to a call."""

    call = models.ForeignKey(Call, verbose_name=_("公募"), on_delete=models.PROTECT, related_name="proposals")
    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(_("構想名"), max_length=200)
    summary = models.TextField(_("構想の概要"))
    theme = models.CharField(_("テーマ・分野"), max_length=200)
    target_industries = models.CharField(_("対象産業"), max_length=300, blank=True)
    cluster_type = models.CharField(_("類型"), max_length=10, choices=ClusterType.choices)
    kpis = models.TextField(_("成果目標（KPI）"), blank=True)
    headquarters_roster = models.TextField(
        _("本部の体制"),
        blank=True,
        help_text=_("本部長・事業総括・研究統括ほかの氏名と所属を1行に1人ずつ記入してください。"),
    )
    related_measures = models.TextField(
        _("関係府省の関連施策"),
        blank=True,
        help_text=_("経済産業省 産業クラスター計画、JSTの研究開発事業、地方公共団体の独自施策などとの連携"),
    )
    participants = models.ManyToManyField(
        Organization, verbose_name=_("参画機関"), blank=True, related_name="proposals"
    )
    status = models.CharField(
        _("状態"), max_length=15, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT, db_index=True
    )
    submitted_at = models.DateTimeField(_("提出日時"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作成者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ProposalQuerySet.as_manager()
    workflow = PROPOSAL_WORKFLOW

    class Meta:
        verbose_name = _("提案書")
        verbose_name_plural = _("提案書")
        ordering = ["-call__fiscal_year", "region__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "region"],
                name="proposal_one_per_region_per_call",
                violation_error_message=_("この地域はこの公募に既に提案しています。"),
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("proposals:detail", kwargs={"pk": self.pk})

    @property
    def is_editable(self) -> bool:
        return self.status == ProposalStatus.DRAFT

    def requested_total(self) -> int:
        return sum(line.requested_amount for line in self.budget_lines.all())


class ProposalBudgetLine(models.Model):
    """Requested amount for one fiscal year of the five-year plan."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("提案書"), on_delete=models.CASCADE, related_name="budget_lines"
    )
    fiscal_year = fiscal_year_field()
    requested_amount = yen_field(_("要求額（円）"))

    class Meta:
        verbose_name = _("提案の年度別要求額")
        verbose_name_plural = _("提案の年度別要求額")
        ordering = ["proposal", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "fiscal_year"], name="proposalbudget_unique_year"),
            non_negative("requested_amount", "proposalbudgetline"),
        ]

    def __str__(self):
        return f"{self.proposal} {fiscal_year_label(self.fiscal_year)}"


class AttachmentKind(models.TextChoices):
    """File types accepted as proposal attachments, recognised by content (magic bytes)."""

    PDF = "pdf", "PDF"
    DOCX = "docx", "Word (.docx)"
    XLSX = "xlsx", "Excel (.xlsx)"
    DOC = "doc", "Word (.doc)"
    XLS = "xls", "Excel (.xls)"


def proposal_attachment_path(instance, filename):
    """Stored under a random name; the original name is kept in ``original_name`` only."""
    import uuid

    return f"proposals/{instance.proposal_id}/{uuid.uuid4().hex}.{instance.kind}"


class ProposalAttachment(models.Model):
    """A file attached to a proposal (PDF, Word or Excel), stored through Django's storage API."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("提案書"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("ファイル"), upload_to=proposal_attachment_path, max_length=200)
    original_name = models.CharField(_("ファイル名"), max_length=200)
    kind = models.CharField(_("形式"), max_length=5, choices=AttachmentKind.choices)
    size = models.PositiveBigIntegerField(_("サイズ（バイト）"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登録者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("登録日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("提案書の添付ファイル")
        verbose_name_plural = _("提案書の添付ファイル")
        ordering = ["proposal", "uploaded_at", "pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("proposals:attachment", kwargs={"pk": self.proposal_id, "attachment_pk": self.pk})


class ReviewAssignment(TimeStampedModel):
    """A reviewer assigned to a proposal, with their conflict declaration."""

    proposal = models.ForeignKey(
        Proposal, verbose_name=_("提案書"), on_delete=models.PROTECT, related_name="review_assignments"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("審査委員"),
        on_delete=models.PROTECT,
        related_name="review_assignments",
        limit_choices_to={"role": Role.REVIEWER},
    )
    conflict_declared_at = models.DateTimeField(_("利害関係の申告日時"), null=True, blank=True)
    has_conflict = models.BooleanField(_("利害関係あり"), default=False)
    conflict_note = models.TextField(_("利害関係の内容"), blank=True)
    submitted_at = models.DateTimeField(_("審査提出日時"), null=True, blank=True)
    overall_comment = models.TextField(_("総評"), blank=True)

    class Meta:
        verbose_name = _("審査割当")
        verbose_name_plural = _("審査割当")
        ordering = ["proposal", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "reviewer"],
                name="assignment_unique_reviewer",
                violation_error_message=_("この審査委員は既にこの提案書に割り当てられています。"),
            )
        ]

    def __str__(self):
        return f"{self.proposal} / {self.reviewer}"


class Review(models.Model):
    """One reviewer's score and comment on one criterion (審査)."""

    assignment = models.ForeignKey(
        ReviewAssignment, verbose_name=_("審査割当"), on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        ReviewCriterion, verbose_name=_("評価項目"), on_delete=models.PROTECT, related_name="scores"
    )
    score = models.PositiveSmallIntegerField(_("評点"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(_("コメント"), blank=True)

    class Meta:
        verbose_name = _("審査評点")
        verbose_name_plural = _("審査評点")
        ordering = ["assignment", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "criterion"], name="review_unique_criterion"),
            models.CheckConstraint(
                condition=Q(score__gte=1) & Q(score__lte=5),
                name="review_score_in_scale",
                violation_error_message=_("評点は1〜5で入力してください。"),
            ),
        ]

    def __str__(self):
        return f"{self.assignment} {self.criterion}: {self.score}"

    def clean(self):
        if self.criterion_id and self.score is not None and self.score > self.criterion.max_score:
            raise ValidationError(
                {"score": _("評点は1〜%(max)dで入力してください。") % {"max": self.criterion.max_score}}
            )


class Decision(models.TextChoices):
    SELECTED = "selected", _("採択")
    NOT_SELECTED = "not_selected", _("不採択")


class SelectionDecision(models.Model):
    """The ministry's decision on a proposal. One per proposal, enforced by the database."""

    proposal = models.OneToOneField(
        Proposal, verbose_name=_("提案書"), on_delete=models.PROTECT, related_name="decision"
    )
    decision = models.CharField(_("結果"), max_length=15, choices=Decision.choices)
    reason = models.TextField(_("理由"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("決定者"), on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("決定日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("採択決定")
        verbose_name_plural = _("採択決定")
        ordering = ["-decided_at"]

    def __str__(self):
        return f"{self.proposal}: {self.get_decision_display()}"


class GrantQuerySet(RegionScopedQuerySet):
    def public_q(self):
        return Q(region__is_published=True)

    def totals_by_fiscal_year(self):
        """``{fiscal_year: granted yen}`` in one aggregate query."""
        rows = self.order_by().values("fiscal_year").annotate(granted=models.Sum("amount"))
        return {row["fiscal_year"]: row["granted"] or 0 for row in rows}


class Grant(TimeStampedModel):
    """交付決定額: what the ministry grants a region for one fiscal year."""

    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="grants")
    call = models.ForeignKey(
        Call, verbose_name=_("公募"), on_delete=models.PROTECT, null=True, blank=True, related_name="grants"
    )
    fiscal_year = fiscal_year_field(db_index=True)
    amount = yen_field(_("交付決定額（円）"))
    decided_on = models.DateField(_("交付決定日"), null=True, blank=True)
    note = models.TextField(_("備考"), blank=True)

    objects = GrantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("交付決定")
        verbose_name_plural = _("交付決定")
        ordering = ["region__name", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "fiscal_year"],
                name="grant_one_per_region_year",
                violation_error_message=_("この地域のこの年度の交付決定は既に登録されています。"),
            ),
            non_negative("amount", "grant"),
        ]

    def __str__(self):
        return f"{self.region} {fiscal_year_label(self.fiscal_year)}"

    def allocated_total(self, exclude_budget_pk=None) -> int:
        budgets = self.budgets.all()
        if exclude_budget_pk is not None:
            budgets = budgets.exclude(pk=exclude_budget_pk)
        return budgets.aggregate(total=models.Sum("allocated"))["total"] or 0


class GrantAmendment(models.Model):
    """An increase or decrease of a grant, kept as history (交付決定の変更)."""

    grant = models.ForeignKey(Grant, verbose_name=_("交付決定"), on_delete=models.PROTECT, related_name="amendments")
    previous_amount = yen_field(_("変更前の額（円）"))
    new_amount = yen_field(_("変更後の額（円）"))
    reason = models.TextField(_("変更理由"))
    amended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("変更者"), on_delete=models.PROTECT, related_name="+"
    )
    amended_at = models.DateTimeField(_("変更日時"), auto_now_add=True)

    class Meta:
        verbose_name = _("交付決定の変更")
        verbose_name_plural = _("交付決定の変更")
        ordering = ["grant", "amended_at"]
        constraints = [non_negative("previous_amount", "grantamendment"), non_negative("new_amount", "grantamendment")]

    def __str__(self):
        return f"{self.grant}: {self.previous_amount:,} → {self.new_amount:,}"


class EvaluationKind(models.TextChoices):
    INTERIM = "interim", _("中間評価")
    FINAL = "final", _("事後評価")


class Grade(models.TextChoices):
    S = "S", "S"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


class Recommendation(models.TextChoices):
    FOCUS = "focus", _("重点支援")
    CONTINUE = "continue", _("継続")
    REDUCE = "reduce", _("縮小")
    END = "end", _("終了")


class EvaluationQuerySet(RegionScopedQuerySet):
    def public_q(self):
        return Q(is_published=True, region__is_published=True)


class Evaluation(TimeStampedModel):
    region = models.ForeignKey(Region, verbose_name=_("地域"), on_delete=models.PROTECT, related_name="evaluations")
    kind = models.CharField(_("評価の種類"), max_length=10, choices=EvaluationKind.choices)
    fiscal_year = fiscal_year_field()
    grade = models.CharField(_("総合評価"), max_length=1, choices=Grade.choices)
    international_competitiveness = models.TextField(_("国際競争力"), blank=True)
    summary = models.TextField(_("評価の概要"))
    recommendation = models.CharField(_("今後の支援"), max_length=10, choices=Recommendation.choices)
    evaluated_on = models.DateField(_("評価日"), null=True, blank=True)
    is_published = models.BooleanField(_("公開"), default=False, db_index=True)

    objects = EvaluationQuerySet.as_manager()

    class Meta:
        verbose_name = _("評価")
        verbose_name_plural = _("評価")
        ordering = ["region", "fiscal_year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "fiscal_year"], name="evaluation_unique_kind_year")
        ]

    def __str__(self):
        return f"{self.region} {self.get_kind_display()}（{fiscal_year_label(self.fiscal_year)}）"


class MeasureKind(models.TextChoices):
    METI_CLUSTER = "meti_cluster", _("経済産業省 産業クラスター計画")
    JST = "jst", _("JST 研究開発事業")
    LOCAL = "local", _("地方公共団体の独自施策")
    OTHER = "other", _("その他の関係府省施策")


class RelatedMeasureQuerySet(RegionScopedQuerySet):
    def public_q(self):
        return Q(region__is_published=True)


class RelatedMeasure(TimeStampedModel):
    """A related measure of another ministry or the region (関連施策)."""

    region = models.ForeignKey(
        Region, verbose_name=_("地域"), on_delete=models.CASCADE, related_name="related_measures"
    )
    kind = models.CharField(_("種別"), max_length=15, choices=MeasureKind.choices)
    name = models.CharField(_("施策名"), max_length=200)
    description = models.TextField(_("概要"), blank=True)
    url = models.URLField(_("URL"), blank=True)
    start_fiscal_year = fiscal_year_field(_("開始年度"), null=True, blank=True)
    end_fiscal_year = fiscal_year_field(_("終了年度"), null=True, blank=True)

    objects = RelatedMeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("関連施策")
        verbose_name_plural = _("関連施策")
        ordering = ["region", "kind", "name"]

    def __str__(self):
        return self.name


class EventKind(models.TextChoices):
    FORUM = "forum", _("フォーラム")
    RESULTS = "results", _("成果発表会")
    SEMINAR = "seminar", _("セミナー")
    EXHIBITION = "exhibition", _("展示会")
    OTHER = "other", _("その他")


def new_event_code() -> str:
    return public_code("E")


class EventQuerySet(RegionScopedQuerySet):
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
