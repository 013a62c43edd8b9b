"""One guard per role, for every screen app: ``@ministry_required``, ``@reviewer_required``,
``@headquarters_required`` and the combinations the pages need.

An anonymous visitor is sent to the login page (302, ``?next=`` the page); a signed-in user of
another role gets PermissionDenied (403). Objects outside the user's scope are the view's
business (404 through the QuerySets' ``visible_to``/``editable_by``).

Every guard also recognises a repeated POST of a form already processed (same one-time
``form_token``) before the view validates it, and follows the first submission's redirect:
the second click of a double click is never processed, even when its input would no
longer validate (see ``cluster_portal.concurrency``).
"""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from cluster_portal.concurrency import previous_submission
from cluster_portal.web import duplicate_redirect


def role_required(check):
    """Login required (anonymous → login page), then ``check(user)`` or 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            if request.method == "POST":
                previous = previous_submission(request.POST.get("form_token", ""))
                if previous is not None:
                    return duplicate_redirect(request, previous)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# Any signed-in user; what they may see is the view's QuerySet (``visible_to``), 404 otherwise.
signed_in_required = role_required(lambda user: True)
# ``User.is_ministry`` etc. compare role codes (and ``is_active``); the guard has checked the login.
ministry_required = role_required(lambda user: user.is_ministry)
reviewer_required = role_required(lambda user: user.is_reviewer)
headquarters_required = role_required(lambda user: user.is_headquarters)
headquarters_or_ministry_required = role_required(lambda user: user.is_headquarters or user.is_ministry)
