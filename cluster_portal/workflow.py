"""Explicit state machines.

Each stateful model declares its allowed transitions in one ``Workflow`` object
next to its ``TextChoices``; every change of state goes through
``Workflow.apply()``, which checks the transition and the acting user's role,
sets the new state and records who, when and why in ``TransitionLog``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class IllegalTransition(ValidationError):
    """Raised when a state change is not allowed; carries a Japanese message."""


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    roles: frozenset[str] = field(default_factory=frozenset)
    needs_reason: bool = False


class Workflow:
    def __init__(self, state_field: str, choices, transitions: Iterable[Transition]):
        self.state_field = state_field
        self.choices = choices
        self.transitions = {(t.source, t.target): t for t in transitions}

    def allowed_targets(self, source: str, user=None) -> list[str]:
        return [
            target
            for (src, target), transition in self.transitions.items()
            if src == source and (user is None or self._role_ok(transition, user))
        ]

    @staticmethod
    def _role_ok(transition: Transition, user) -> bool:
        if not transition.roles:
            return True
        return getattr(user, "role", None) in transition.roles

    def label(self, state: str) -> str:
        return str(self.choices(state).label)

    def check(self, obj, target: str, user=None, reason: str = "") -> Transition:
        source = getattr(obj, self.state_field)
        transition = self.transitions.get((source, target))
        if transition is None:
            raise IllegalTransition(
                _("「%(source)s」から「%(target)s」へは変更できません。")
                % {"source": self.label(source), "target": self.label(target)},
                code="illegal_transition",
            )
        if user is not None and not self._role_ok(transition, user):
            raise IllegalTransition(
                _("この操作（%(target)sへの変更）を行う権限がありません。") % {"target": self.label(target)},
                code="forbidden_transition",
            )
        if transition.needs_reason and not reason.strip():
            raise IllegalTransition(_("理由を入力してください。"), code="reason_required")
        return transition

    def apply(self, obj, target: str, *, user=None, reason: str = "", save: bool = True):
        """Move ``obj`` to ``target`` and log it. Call inside a transaction."""
        from cluster_portal.models import TransitionLog

        self.check(obj, target, user=user, reason=reason)
        source = getattr(obj, self.state_field)
        setattr(obj, self.state_field, target)
        if save:
            obj.save()
        TransitionLog.record(obj, source=source, target=target, user=user, reason=reason)
        return obj
