"""Grants (交付決定) per region and fiscal year with their amendments, evaluations of a
cluster, and related measures of other ministries and local governments."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from cluster_portal.fields import fiscal_year_field, yen_field, yen_range
from cluster_portal.fiscal import fiscal_year_bounds, fiscal_year_label, format_yen
from cluster_portal.models import RegionScopedQuerySet, Role, TimeStampedModel
from cluster_portal.workflow import Transition, Workflow
from regions.models.calls import Call, CallBudget, CallStatus
from regions.models.clusters import Region
from regions.models.selection import Decision, SelectionDecision


class GrantQuerySet(RegionScopedQuerySet):
    def public_q(self):
        return Q(region__is_published=True)

    def over_allocated(self):
        """Grants whose projects' allocations (``allocated_sum``) exceed them: the rule
        ``ProjectBudget.clean()`` enforces, read back for the whole table in one query."""
        return self.annotate(allocated_sum=models.Sum("budgets__allocated")).filter(allocated_sum__gt=F("amount"))

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
            yen_range("amount", "grant"),
        ]

    def __str__(self):
        return f"{self.region} {fiscal_year_label(self.fiscal_year)}"

    def clean(self):
        """A grant exists only for a region selected (採択) on a call whose envelope covers the
        fiscal year, and it fits what is left of that envelope. (The grant services check the
        envelope again under a row lock; ``check_integrity`` verifies all of it on a live database.)"""
        errors = {}
        if self.call_id is None:
            errors["call"] = _("交付決定には、地域が採択された公募を指定してください。")
        elif self.region_id is not None:
            errors.update(self._selection_errors())
        if self.call_id is not None and self.fiscal_year is not None and not errors:
            errors.update(self._envelope_errors())
        if errors:
            raise ValidationError(errors)

    def _selection_errors(self) -> dict:
        if self.call.status == CallStatus.DRAFT:
            return {"call": _("下書きの公募には交付決定を登録できません。")}
        decision = (
            SelectionDecision.objects.filter(proposal__call_id=self.call_id, proposal__region_id=self.region_id)
            .only("decision", "decided_at")
            .first()
        )
        if decision is None or decision.decision != Decision.SELECTED:
            return {"region": _("この地域はこの公募で採択されていません。交付決定は採択された地域にだけ登録できます。")}
        decided = timezone.localdate(decision.decided_at)
        if self.decided_on is not None and self.decided_on < decided:
            return {
                "decided_on": _("交付決定日は採択決定日（%(date)s）以降の日付にしてください。")
                % {"date": decided.isoformat()}
            }
        return {}

    def _envelope_errors(self) -> dict:
        envelope = CallBudget.objects.filter(call_id=self.call_id, fiscal_year=self.fiscal_year).first()
        if envelope is None:
            years = list(CallBudget.objects.filter(call_id=self.call_id).values_list("fiscal_year", flat=True))
            allowed = "、".join(fiscal_year_label(year) for year in sorted(years)) or _("なし")
            return {
                "fiscal_year": _("この公募には%(year)sの予算枠がありません（予算枠のある年度：%(allowed)s）。")
                % {"year": fiscal_year_label(self.fiscal_year), "allowed": allowed}
            }
        others = Grant.objects.filter(call_id=self.call_id, fiscal_year=self.fiscal_year).exclude(pk=self.pk)
        granted = others.aggregate(total=models.Sum("amount"))["total"] or 0
        if self.amount is not None and granted + self.amount > envelope.envelope:
            return {
                "amount": _(
                    "%(year)s年度の予算枠を超えます"
                    "（予算枠 %(envelope)s、交付決定済み %(granted)s、残り %(remaining)s）。"
                )
                % {
                    "year": self.fiscal_year,
                    "envelope": format_yen(envelope.envelope),
                    "granted": format_yen(granted),
                    "remaining": format_yen(max(envelope.envelope - granted, 0)),
                }
            }
        return {}

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
    support_decision = models.ForeignKey(
        "regions.SupportDecision",
        verbose_name=_("重点支援の決定"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments",
        help_text=_("重点支援の決定の確定によって行われた増額のとき、その決定。"),
    )

    class Meta:
        verbose_name = _("交付決定の変更")
        verbose_name_plural = _("交付決定の変更")
        ordering = ["grant", "amended_at"]
        constraints = [yen_range("previous_amount", "grantamendment"), yen_range("new_amount", "grantamendment")]

    def __str__(self):
        return f"{self.grant}: {self.previous_amount:,} → {self.new_amount:,}"

    def clean(self):
        """An amendment made by a support decision is that decision's one increase of its region's grant in
        one of its fiscal years, by its annual amount, made while it is being confirmed (check_integrity:
        ``support.amendments_match_decision``)."""
        if self.support_decision_id is None or self.pk is not None or self.grant_id is None:
            return
        decision = self.support_decision
        grant = self.grant
        if decision.status != SupportStatus.DRAFT:
            error = _("この重点支援の決定は既に確定しています。確定した決定による交付決定の変更は追加できません。")
        elif grant.region_id != decision.evaluation.region_id or grant.fiscal_year not in decision.fiscal_years:
            error = _("重点支援の決定の対象（%(region)s、%(years)s）ではない交付決定は変更できません。") % {
                "region": decision.evaluation.region,
                "years": decision.years_label,
            }
        elif self.new_amount - self.previous_amount != decision.annual_amount:
            error = _("重点支援の決定による増額は、決定の追加交付額 %(amount)s と同じ額にしてください。") % {
                "amount": format_yen(decision.annual_amount)
            }
        elif GrantAmendment.objects.filter(support_decision_id=decision.pk, grant_id=grant.pk).exists():
            error = _("%(year)sの交付決定は、この重点支援の決定で既に増額されています。") % {
                "year": fiscal_year_label(grant.fiscal_year)
            }
        else:
            return
        raise ValidationError({"support_decision": error})


class EvaluationKind(models.TextChoices):
    INTERIM = "interim", _("中間評価")
    FINAL = "final", _("事後評価")


class Grade(models.TextChoices):
    S = "S", "S"
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"


LOWEST_GRADE = Grade.C


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
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("評価")
        verbose_name_plural = _("評価")
        ordering = ["region", "fiscal_year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["region", "kind", "fiscal_year"], name="evaluation_unique_kind_year")
        ]

    def __str__(self):
        return f"{self.region} {self.get_kind_display()}（{fiscal_year_label(self.fiscal_year)}）"

    def clean(self):
        """An evaluation is dated in or after the fiscal year it evaluates, and its grade and recommended
        support agree: the lowest grade (C) never comes with 重点支援 (refused, not overridden by a reason)."""
        if self.grade == LOWEST_GRADE and self.recommendation == Recommendation.FOCUS:
            raise ValidationError(
                {
                    "recommendation": _(
                        "総合評価%(grade)sの地域に「重点支援」は選べません。"
                        "重点支援は総合評価S・A・Bの地域に限ります。総合評価か今後の支援を見直してください。"
                    )
                    % {"grade": LOWEST_GRADE}
                }
            )
        if self.evaluated_on is None or self.fiscal_year is None:
            return
        first, _last = fiscal_year_bounds(self.fiscal_year)
        if self.evaluated_on < first:
            raise ValidationError(
                {
                    "evaluated_on": _("評価日は評価対象の%(year)sの開始（%(first)s）以降の日付にしてください。")
                    % {"year": fiscal_year_label(self.fiscal_year), "first": first.isoformat()}
                }
            )


class SupportStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    CONFIRMED = "confirmed", _("確定")


SUPPORT_WORKFLOW = Workflow(
    "status",
    SupportStatus,
    [Transition(SupportStatus.DRAFT, SupportStatus.CONFIRMED, frozenset({Role.MINISTRY}))],
)


class SupportDecisionQuerySet(RegionScopedQuerySet):
    region_lookup = "evaluation__region"

    def public_q(self):
        """The public sees a support decision once it is confirmed (its grant amendments exist)."""
        return Q(status=SupportStatus.CONFIRMED, evaluation__region__is_published=True)


class SupportDecision(TimeStampedModel):
    """重点支援の決定: the additional grant a 重点支援 evaluation leads to.

    The same additional amount (``annual_amount``) is added to the region's grant in every fiscal year
    from ``start_fiscal_year`` to ``end_fiscal_year``; the total is that amount times the number of years.
    A draft can be edited; confirming it (``regions.services.support.support_decision_confirm``) amends
    each year's grant through the grant amendment service, all or nothing, within the call's envelope,
    and makes it read-only."""

    evaluation = models.OneToOneField(
        Evaluation, verbose_name=_("評価"), on_delete=models.PROTECT, related_name="support_decision"
    )
    start_fiscal_year = fiscal_year_field(_("追加交付の開始年度"))
    end_fiscal_year = fiscal_year_field(_("追加交付の終了年度"))
    annual_amount = yen_field(
        _("追加交付額（各年度、円）"), help_text=_("開始年度から終了年度までの各年度の交付決定額に、この額を加えます。")
    )
    reason = models.TextField(
        _("重点支援の理由（文部科学省内の記録）"),
        help_text=_("文部科学省内の記録です。公開ページには表示されません。交付決定の変更理由に引用されます。"),
    )
    status = models.CharField(
        _("状態"), max_length=10, choices=SupportStatus.choices, default=SupportStatus.DRAFT, db_index=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("記録者"), on_delete=models.PROTECT, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("確定した担当者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("確定日時"), null=True, blank=True)

    objects = SupportDecisionQuerySet.as_manager()
    workflow = SUPPORT_WORKFLOW
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("重点支援の決定")
        verbose_name_plural = _("重点支援の決定")
        ordering = ["evaluation__region__name", "start_fiscal_year"]
        constraints = [
            yen_range("annual_amount", "supportdecision"),
            models.CheckConstraint(
                condition=Q(annual_amount__gt=0),
                name="supportdecision_annual_amount_positive",
                violation_error_message=_("追加交付額は1円以上で入力してください。"),
            ),
            models.CheckConstraint(
                condition=Q(end_fiscal_year__gte=F("start_fiscal_year")),
                name="supportdecision_years_in_order",
                violation_error_message=_("終了年度は開始年度以降にしてください。"),
            ),
            models.CheckConstraint(
                condition=Q(status="draft", confirmed_at__isnull=True)
                | Q(status="confirmed", confirmed_at__isnull=False),
                name="supportdecision_confirmed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.evaluation}: {self.years_label}"

    def get_absolute_url(self):
        return reverse("ministry:support_decision", args=[self.evaluation_id])

    @property
    def is_confirmed(self) -> bool:
        return self.status == SupportStatus.CONFIRMED

    @property
    def fiscal_years(self) -> list[int]:
        if self.start_fiscal_year is None or self.end_fiscal_year is None:
            return []
        return list(range(self.start_fiscal_year, self.end_fiscal_year + 1))

    @property
    def total_amount(self) -> int:
        return (self.annual_amount or 0) * len(self.fiscal_years)

    @property
    def years_label(self) -> str:
        if self.start_fiscal_year == self.end_fiscal_year:
            return fiscal_year_label(self.start_fiscal_year)
        return f"{fiscal_year_label(self.start_fiscal_year)}〜{fiscal_year_label(self.end_fiscal_year)}"

    def clean(self):
        """Only for a 重点支援 evaluation; years in order, from the evaluated year on, each with a grant of the
        region whose call has an envelope that year; a positive amount (the envelope itself is checked, under
        a row lock, when the decision is confirmed)."""
        errors = {}
        if self.evaluation_id is not None and self.evaluation.recommendation != Recommendation.FOCUS:
            errors["evaluation"] = _(
                "重点支援の決定は、今後の支援が「重点支援」の評価にだけ記録できます（この評価は「%(recommendation)s」）。"
            ) % {"recommendation": self.evaluation.get_recommendation_display()}
        if self.annual_amount is not None and self.annual_amount <= 0:
            errors["annual_amount"] = _(
                "追加交付額（各年度）は1円以上、10兆円（10,000,000,000,000円）以下の整数で入力してください。"
            )
        if self.start_fiscal_year is not None and self.end_fiscal_year is not None:
            if self.end_fiscal_year < self.start_fiscal_year:
                errors["end_fiscal_year"] = _("終了年度は開始年度（%(year)s）以降にしてください。") % {
                    "year": fiscal_year_label(self.start_fiscal_year)
                }
            elif self.evaluation_id is not None and "evaluation" not in errors:
                errors.update(self._year_errors())
        if errors:
            raise ValidationError(errors)

    def granted_years(self) -> list[int]:
        """The fiscal years in which the region has a grant on a call with an envelope for that year."""
        envelopes = CallBudget.objects.filter(call_id=OuterRef("call_id"), fiscal_year=OuterRef("fiscal_year"))
        return list(
            Grant.objects.filter(region_id=self.evaluation.region_id, call__isnull=False)
            .filter(Exists(envelopes))
            .order_by("fiscal_year")
            .values_list("fiscal_year", flat=True)
        )

    def _year_errors(self) -> dict:
        evaluated = self.evaluation.fiscal_year
        if self.start_fiscal_year < evaluated:
            return {
                "start_fiscal_year": _("開始年度は評価の年度（%(year)s）以降にしてください。")
                % {"year": fiscal_year_label(evaluated)}
            }
        granted = set(self.granted_years())
        missing = [year for year in self.fiscal_years if year not in granted]
        if not missing:
            return {}
        allowed = [year for year in sorted(granted) if year >= evaluated]
        if allowed:
            allowed_text = _("%(first)s〜%(last)s") % {
                "first": fiscal_year_label(allowed[0]),
                "last": fiscal_year_label(allowed[-1]),
            }
        else:
            allowed_text = _("なし")
        return {
            "end_fiscal_year" if self.start_fiscal_year in granted else "start_fiscal_year": _(
                "%(year)sにはこの地域の交付決定（予算枠のある公募のもの）がありません。"
                "追加交付の年度は、交付決定のある年度の範囲で指定してください（指定できる年度：%(allowed)s）。"
            )
            % {"year": fiscal_year_label(missing[0]), "allowed": allowed_text}
        }


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
