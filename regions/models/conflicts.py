"""A reviewer's request to lift a conflict-of-interest declaration made by mistake (利害関係の申告の取消し申請).

The reviewer asks with a reason; ministry staff approve (the declaration is cleared and the
reviewer declares again) or reject. The rules live in ``regions.services.reviews``; every step
is recorded in ``TransitionLog`` through the workflow below.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cluster_portal.models import Role, sees_everything
from cluster_portal.workflow import Transition, Workflow
from regions.models.selection import ReviewAssignment


class LiftStatus(models.TextChoices):
    PENDING = "pending", _("審査待ち")
    APPROVED = "approved", _("承認（申告を取消し）")
    REJECTED = "rejected", _("却下")


LIFT_WORKFLOW = Workflow(
    "status",
    LiftStatus,
    [
        Transition(LiftStatus.PENDING, LiftStatus.APPROVED, frozenset({Role.MINISTRY})),
        Transition(LiftStatus.PENDING, LiftStatus.REJECTED, frozenset({Role.MINISTRY}), needs_reason=True),
    ],
)


class ConflictLiftRequestQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The ministry and administrators see every request, a reviewer their own, nobody else any."""
        if sees_everything(user):
            return self.all()
        if user is not None and user.is_authenticated and user.is_reviewer:
            return self.filter(assignment__reviewer=user)
        return self.none()


class ConflictLiftRequest(models.Model):
    """One request to lift a declared conflict, with a snapshot of the declaration it concerns."""

    assignment = models.ForeignKey(
        ReviewAssignment, verbose_name=_("審査割当"), on_delete=models.CASCADE, related_name="lift_requests"
    )
    reason = models.TextField(_("取消しを求める理由"))
    declared_note = models.TextField(_("申告した利害関係の内容"), blank=True)
    declared_at = models.DateTimeField(_("利害関係の申告日時"), null=True, blank=True)
    status = models.CharField(
        _("状態"), max_length=10, choices=LiftStatus.choices, default=LiftStatus.PENDING, db_index=True
    )
    requested_at = models.DateTimeField(_("申請日時"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("判断した担当者"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("判断日時"), null=True, blank=True)
    decision_comment = models.TextField(_("判断の理由・コメント"), blank=True)

    objects = ConflictLiftRequestQuerySet.as_manager()
    workflow = LIFT_WORKFLOW

    class Meta:
        verbose_name = _("利害関係の申告の取消し申請")
        verbose_name_plural = _("利害関係の申告の取消し申請")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="conflictlift_one_pending_per_assignment",
                violation_error_message=_("この申告には審査待ちの取消し申請が既にあります。"),
            )
        ]

    def __str__(self):
        return f"{self.assignment}: {self.get_status_display()}"
