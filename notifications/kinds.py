"""Every kind of notification the portal sends, in one registry.

A kind names its e-mail templates (``templates/notifications/email/<name>.txt`` and the shared
HTML layout), its subject and whether it is *essential*: essential kinds (decisions, returned
reports, password resets) cannot be muted by the recipient; the others can, on the settings page.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REVIEWER, HEADQUARTERS, MINISTRY = "reviewer", "headquarters", "ministry"


@dataclass(frozen=True)
class Kind:
    name: str
    label: Promise
    subject: Promise  # %-formatted with the notification's context
    essential: bool = False
    roles: tuple = ()  # who receives it (cluster_portal.models.Role values): what the settings page lists


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind("review_assigned", _("審査の割り当て"), _("【審査のご依頼】%(title)s"), roles=(REVIEWER,)),
        Kind("review_reminder", _("審査の督促"), _("【審査のお願い】%(call)s"), roles=(REVIEWER,)),
        Kind("review_deadline", _("審査期限の事前連絡"), _("【審査期限まで%(days)s日】%(call)s"), roles=(REVIEWER,)),
        Kind(
            "conflict_lift_requested",
            _("利害関係申告の取消し申請（文部科学省あて）"),
            _("【申告取消し申請】%(title)s"),
            roles=(MINISTRY,),
        ),
        Kind(
            "conflict_lift_decided",
            _("利害関係申告の取消し申請の結果"),
            _("【申告取消し申請の結果】%(title)s"),
            roles=(REVIEWER,),
        ),
        Kind(
            "proposal_received",
            _("提案書の受付（本部あて）"),
            _("【受付】提案書「%(title)s」を受け付けました"),
            roles=(HEADQUARTERS,),
        ),
        Kind(
            "proposal_submitted",
            _("提案書の提出（文部科学省あて）"),
            _("【提案書提出】%(region)s「%(title)s」"),
            roles=(MINISTRY,),
        ),
        Kind(
            "decision_notified",
            _("採択結果の通知"),
            _("【%(decision)s】%(title)s"),
            essential=True,
            roles=(HEADQUARTERS,),
        ),
        Kind("grant_registered", _("交付決定の登録"), _("【交付決定】%(region)s %(year)s年度"), roles=(HEADQUARTERS,)),
        Kind(
            "grant_amended",
            _("交付決定額の変更"),
            _("【交付決定額の変更】%(region)s %(year)s年度"),
            roles=(HEADQUARTERS,),
        ),
        Kind(
            "report_submitted",
            _("進捗報告の提出（文部科学省あて）"),
            _("【進捗報告提出】%(region)s「%(title)s」"),
            roles=(MINISTRY,),
        ),
        Kind(
            "report_returned",
            _("進捗報告の差し戻し"),
            _("【差し戻し】進捗報告「%(title)s」"),
            essential=True,
            roles=(HEADQUARTERS,),
        ),
        Kind("report_accepted", _("進捗報告の受理"), _("【受理】進捗報告「%(title)s」"), roles=(HEADQUARTERS,)),
        Kind(
            "report_due",
            _("進捗報告の提出期限の事前連絡"),
            _("【提出期限まで%(days)s日】進捗報告「%(title)s」"),
            roles=(HEADQUARTERS,),
        ),
        Kind(
            "report_overdue",
            _("進捗報告の提出期限超過"),
            _("【提出期限超過】進捗報告「%(title)s」"),
            roles=(HEADQUARTERS,),
        ),
        Kind("call_closing", _("公募締切の事前連絡"), _("【公募締切まで%(days)s日】%(call)s"), roles=(HEADQUARTERS,)),
        Kind(
            "password_reset",
            _("パスワードの再設定"),
            _("【パスワードの再設定】知的クラスター創成事業ポータル"),
            essential=True,
            roles=(REVIEWER, HEADQUARTERS, MINISTRY, "administrator"),
        ),
        # to the addresses in ADMINS (no portal user): subject and body written by notifications/log.py
        Kind("server_error", _("サーバーエラーの報告（管理者あて）"), _("サーバーエラー"), essential=True),
    ]
}


def get(name: str) -> Kind:
    return KINDS[name]


def mutable_kinds(role: str | None = None) -> list[Kind]:
    """The kinds a user may mute (of those their role receives, when ``role`` is given)."""
    return [kind for kind in KINDS.values() if not kind.essential and (role is None or role in kind.roles)]


def essential_kinds(role: str | None = None) -> list[Kind]:
    return [kind for kind in KINDS.values() if kind.essential and (role is None or role in kind.roles)]
