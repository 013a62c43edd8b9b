import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user may do. Logic compares these codes, never labels or groups."""

    MINISTRY = "ministry", _("文部科学省 担当者")
    REVIEWER = "reviewer", _("審査委員")
    HEADQUARTERS = "headquarters", _("本部職員")
    ADMINISTRATOR = "administrator", _("システム管理者")


class User(AbstractUser):
    role = models.CharField(_("役割"), max_length=20, choices=Role.choices, blank=True, db_index=True)
    headquarters = models.ForeignKey(
        "regions.Headquarters",
        verbose_name=_("所属する本部"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("本部職員のみ。所属するクラスター本部の地域のデータだけを編集できます。"),
    )
    display_name = models.CharField(_("表示名"), max_length=100, blank=True)
    language = models.CharField(
        _("通知の言語"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="ja",
        help_text=_("メールと通知をこの言語で作成します。"),
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("ユーザー")
        verbose_name_plural = _("ユーザー")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="headquarters", headquarters__isnull=False)
                | (~models.Q(role="headquarters") & models.Q(headquarters__isnull=True)),
                name="user_headquarters_iff_hq_role",
                violation_error_message=_("本部職員には所属する本部が必要で、それ以外の役割には設定できません。"),
            ),
        ]

    def __str__(self):
        return self.display_name or self.get_full_name() or self.username

    def clean(self):
        super().clean()
        if self.role == Role.HEADQUARTERS and not self.headquarters_id:
            raise ValidationError({"headquarters": _("本部職員には所属する本部を指定してください。")})
        if self.role != Role.HEADQUARTERS and self.headquarters_id:
            raise ValidationError({"headquarters": _("所属する本部は本部職員にのみ指定できます。")})

    # Role helpers. Anonymous users have none of these attributes, so callers use
    # the module-level functions below, which accept either kind of user.
    @property
    def is_ministry(self) -> bool:
        return self.is_active and self.role == Role.MINISTRY

    @property
    def is_reviewer(self) -> bool:
        return self.is_active and self.role == Role.REVIEWER

    @property
    def is_headquarters(self) -> bool:
        return self.is_active and self.role == Role.HEADQUARTERS and self.headquarters_id is not None

    @property
    def is_administrator(self) -> bool:
        return self.is_active and (self.role == Role.ADMINISTRATOR or self.is_superuser)

    def has_perm(self, perm, obj=None) -> bool:
        # The administrator role carries every model permission (Django admin,
        # import/export), whether or not the account is also a superuser.
        return (self.is_active and self.role == Role.ADMINISTRATOR) or super().has_perm(perm, obj)

    def has_module_perms(self, app_label) -> bool:
        return (self.is_active and self.role == Role.ADMINISTRATOR) or super().has_module_perms(app_label)

    @property
    def sees_everything(self) -> bool:
        """Ministry staff and administrators see unpublished data of every region."""
        return self.is_ministry or self.is_administrator

    @property
    def region_id(self):
        """The region a headquarters user works for (None for other roles)."""
        if not self.is_headquarters:
            return None
        return self.headquarters.region_id


def sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and user.sees_everything)


def own_region_id(user):
    """Region id of a headquarters user, else None (anonymous users included)."""
    if user is None or not user.is_authenticated:
        return None
    return user.region_id


def assign_fields(obj: models.Model, data: dict, fields) -> None:
    """Copy the named ``fields`` present in ``data`` (a form's cleaned data) onto ``obj``; services then
    ``full_clean()`` and save. Names missing from ``data`` are left as they are."""
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])


PUBLIC_CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: safe to read aloud and retype


def scalar_aggregate(queryset, aggregate, output_field):
    """``aggregate`` (``Count("*")``, ``Sum("amount")``) over ``queryset`` as a scalar subquery, usually
    correlated with ``OuterRef`` (NULL when no row matches: wrap a count in ``Coalesce(…, 0)``).

    Instead of annotating ``Sum("related__field")`` over a join and ``GROUP BY``: the database computes
    the subquery only for the rows it returns, so a page of 100 rows ordered on an index reads the
    related rows of those 100, not of every row before the ``LIMIT``."""
    grouped = queryset.order_by().values(_group=models.Value(1)).annotate(_value=aggregate).values("_value")
    return models.Subquery(grouped, output_field=output_field)


def scalar_count(queryset, counted=None):
    """``COUNT(*)`` of ``queryset`` (or ``COUNT(DISTINCT counted)``) as a scalar subquery, 0 when no row
    matches (``scalar_aggregate``)."""
    aggregate = models.Count(counted, distinct=True) if counted else models.Count("*")
    return Coalesce(scalar_aggregate(queryset, aggregate, models.IntegerField()), 0)


def public_code(prefix: str) -> str:
    """A random, stable public identifier such as "R-7KQ2M9XW4D" for rows without a natural code.

    Used as a field default so URLs, downloads and the API never expose database ids.
    """
    return prefix + "-" + "".join(secrets.choice(PUBLIC_CODE_ALPHABET) for _ in range(10))


class UploadRecord(models.Model):
    """Who stored an uploaded file and when: the shared fields of every attachment and receipt."""

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
        abstract = True


class TimeStampedModel(models.Model):
    """Creation/update stamps and an edit version for optimistic locking."""

    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新日時"), auto_now=True)
    version = models.PositiveIntegerField(
        _("版"), default=1, editable=False, help_text=_("編集の競合を検出するための版番号。")
    )

    class Meta:
        abstract = True


class RegionScopedQuerySet(models.QuerySet):
    """Visibility rules shared by every model that belongs to one region.

    Subclasses set ``region_lookup`` (the path from the model to its Region) and
    implement ``public_q()`` (what the public may see). Ministry staff and
    administrators see everything; headquarters staff see what is public plus
    everything of their own region, and may edit only their own region's rows.
    """

    region_lookup = "region"

    def public_q(self) -> models.Q:
        raise NotImplementedError

    def published(self):
        return self.filter(self.public_q())

    def of_region(self, region_id):
        return self.filter(**{f"{self.region_lookup}_id": region_id})

    def visible_to(self, user):
        if sees_everything(user):
            return self.all()
        region_id = own_region_id(user)
        if region_id is not None:
            return self.filter(self.public_q() | models.Q(**{f"{self.region_lookup}_id": region_id}))
        return self.published()

    def editable_by(self, user):
        if user is not None and user.is_authenticated and user.is_administrator:
            return self.all()
        region_id = own_region_id(user)
        if region_id is not None:
            return self.of_region(region_id)
        return self.none()


class TransitionLog(models.Model):
    """Who moved which object from which state to which, when and why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, verbose_name=_("対象の種類"))
    object_id = models.CharField(_("対象ID"), max_length=64)
    target = GenericForeignKey("content_type", "object_id")
    source_state = models.CharField(_("変更前の状態"), max_length=32)
    target_state = models.CharField(_("変更後の状態"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("実行者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("理由・コメント"), blank=True)
    created_at = models.DateTimeField(_("日時"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("状態遷移の記録")
        verbose_name_plural = _("状態遷移の記録")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.content_type} #{self.object_id}: {self.source_state} → {self.target_state}"

    @classmethod
    def record(cls, obj, *, source: str, target: str, user=None, reason: str = ""):
        actor = user if user is not None and user.is_authenticated else None
        return cls.objects.create(
            content_type=ContentType.objects.get_for_model(obj),
            object_id=str(obj.pk),
            source_state=source,
            target_state=target,
            actor=actor,
            reason=reason,
        )

    @classmethod
    def for_object(cls, obj):
        return cls.objects.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        ).select_related("actor")


class SubmissionToken(models.Model):
    """One-time form tokens already used: a repeated POST of the same form is recognised,
    never processed twice (see ``cluster_portal.concurrency.one_time_submission``)."""

    token = models.CharField(_("トークン"), max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ユーザー"), on_delete=models.CASCADE, null=True, blank=True
    )
    redirect_url = models.CharField(_("送信後の表示先"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("作成日時"), auto_now_add=True, db_index=True)

    class Meta:
        db_table = "projects_submissiontoken"  # the table it had when it stood in projects
        verbose_name = _("送信済みフォーム")
        verbose_name_plural = _("送信済みフォーム")

    def __str__(self):
        return self.token


class CspReport(models.Model):
    """A Content-Security-Policy violation a browser reported (``POST /csp-report/``,
    cluster_portal/csp.py); administrators read them in the admin. Only the newest
    ``CSP_REPORTS_KEPT`` are kept."""

    received_at = models.DateTimeField(_("受信日時"), auto_now_add=True, db_index=True)
    document_uri = models.CharField(_("ページ"), max_length=500, blank=True)
    effective_directive = models.CharField(_("違反したディレクティブ"), max_length=100, blank=True)
    blocked_uri = models.CharField(_("ブロックされたもの"), max_length=500, blank=True)
    source_file = models.CharField(_("発生元ファイル"), max_length=500, blank=True)
    line_number = models.PositiveIntegerField(_("行"), null=True, blank=True)
    disposition = models.CharField(
        _("扱い"), max_length=20, blank=True, help_text=_("enforce（遮断）または report（報告のみ）")
    )
    user_agent = models.CharField(_("ブラウザー"), max_length=300, blank=True)
    report = models.JSONField(_("報告の内容"), default=dict, blank=True)

    class Meta:
        verbose_name = _("CSP違反の報告")
        verbose_name_plural = _("CSP違反の報告")
        ordering = ["-received_at", "-pk"]

    def __str__(self):
        return f"{self.effective_directive}: {self.blocked_uri or '-'} ({self.document_uri})"
