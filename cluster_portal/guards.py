"""One guard per role, for every screen app: ``@ministry_required``, ``@reviewer_required``,
``@headquarters_required`` and the combinations the pages need.

An anonymous visitor is sent to the login page (302, ``?next=`` the page). A signed-in user of
another role gets PermissionDenied (403) on a page about no object in particular.

**One not-found rule** (issue 18): an object outside the user's scope answers 404, never 403,
whatever the action and whatever the user's role. A page about one object declares that object
with ``.of()``::

    @ministry_required.of(ProgressReport)              # the URL's ``pk`` names a ProgressReport
    def report_review(request, pk): ...

    @headquarters_required.of(JointResearchProject, kwarg="project_pk")
    def budget_create(request, project_pk): ...

When the role check fails, the guard looks the object up in what the user may see (the model's
``visible_to(user)``, or the queryset function given): an object the user cannot see — another
region's, an unassigned proposal, a call not yet announced, or one that does not exist — is a 404;
only an object the user can already see (so the answer reveals nothing) gets the 403. When the
role check passes, the view looks the object up in its own, narrower QuerySet
(``visible_to``/``editable_by``) and answers 404 the same way.

``tests/test_not_found_rule.py`` walks every URL with an object id (from the URL resolver) and
checks that each guarded view declares its object, so a new page cannot slip back to a 403.

Every guard also recognises a repeated POST of a form already processed (same one-time
``form_token``) before the view validates it, and follows the first submission's redirect:
the second click of a double click is never processed, even when its input would no
longer validate (see ``cluster_portal.concurrency``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cluster_portal.concurrency import previous_submission
from cluster_portal.web import duplicate_redirect


class ObjectScope:
    """The object a URL names, looked up among what a user may see.

    ``source`` is a model whose default manager has ``visible_to(user)``, or a function
    ``user → QuerySet`` (for objects seen through another one, e.g. an attachment through its
    report), or a function ``(user, kwargs) → bool`` with ``custom=True``.
    """

    def __init__(self, source, *, kwarg: str = "pk", field: str = "pk", custom: bool = False):
        self.source, self.kwarg, self.field, self.custom = source, kwarg, field, custom

    def queryset(self, user):
        if isinstance(self.source, type):
            return self.source._default_manager.visible_to(user)
        return self.source(user)

    def visible(self, user, kwargs: dict) -> bool:
        if self.custom:
            return bool(self.source(user, kwargs))
        if self.kwarg not in kwargs:
            return False
        try:
            return self.queryset(user).filter(**{self.field: kwargs[self.kwarg]}).exists()
        except (ValueError, TypeError):
            return False

    def __repr__(self):
        name = getattr(self.source, "__name__", repr(self.source))
        return f"ObjectScope({name}, kwarg={self.kwarg!r})"


class RoleGuard:
    """Login required (anonymous → login page), then ``check(user)``; else 403, or 404 for an object
    (``.of()``) the user cannot see. The wrapped view carries ``portal_guard`` for the tests."""

    def __init__(self, check: Callable, *, scope: ObjectScope | None = None, name: str = ""):
        self.check, self.scope, self.name = check, scope, name

    def of(self, source, *, kwarg: str = "pk", field: str = "pk", custom: bool = False) -> RoleGuard:
        """The same guard for a page about one object (see the module docstring)."""
        scope = ObjectScope(source, kwarg=kwarg, field=field, custom=custom)
        return RoleGuard(self.check, scope=scope, name=self.name)

    def refuse(self, request, kwargs):
        if self.scope is not None and not self.scope.visible(request.user, kwargs):
            raise Http404
        raise PermissionDenied

    def __call__(self, view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.check(request.user):
                self.refuse(request, kwargs)
            if request.method == "POST":
                previous = previous_submission(request.POST.get("form_token", ""))
                if previous is not None:
                    return duplicate_redirect(request, previous)
            return view(request, *args, **kwargs)

        wrapped.portal_guard = self
        return wrapped

    def __repr__(self):
        return f"<RoleGuard {self.name} {self.scope!r}>"


def role_required(check, name: str = "") -> RoleGuard:
    """Login required (anonymous → login page), then ``check(user)`` or 403 (404 with ``.of()``)."""
    return RoleGuard(check, name=name)


# Any signed-in user; what they may see is the view's QuerySet (``visible_to``), 404 otherwise.
signed_in_required = role_required(lambda user: True, "signed_in")
# ``User.is_ministry`` etc. compare role codes (and ``is_active``); the guard has checked the login.
ministry_required = role_required(lambda user: user.is_ministry, "ministry")
reviewer_required = role_required(lambda user: user.is_reviewer, "reviewer")
headquarters_required = role_required(lambda user: user.is_headquarters, "headquarters")
headquarters_or_ministry_required = role_required(
    lambda user: user.is_headquarters or user.is_ministry, "headquarters_or_ministry"
)
