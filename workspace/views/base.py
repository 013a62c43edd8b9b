"""Shared plumbing of the headquarters workspace views: role checks, running a
service once per form token and turning service errors into form errors. (History
timelines are built in the kernel, ``cluster_portal.history``.)"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cluster_portal.concurrency import (
    DuplicateSubmission,
    StaleEdit,
    one_time_submission,
    previous_submission,
    render_conflict,
)
from projects import permissions
from regions.models import Organization


def _guard(check):
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
                    return _duplicate_redirect(request, previous)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


headquarters_required = _guard(permissions.can_use_workspace)
ministry_required = _guard(lambda user: user.is_ministry)
headquarters_or_ministry_required = _guard(lambda user: permissions.can_use_workspace(user) or user.is_ministry)


def _duplicate_redirect(request, url: str):
    messages.info(
        request, _("この内容は既に送信されています。二重に登録されないよう、2回目の送信は処理しませんでした。")
    )
    return redirect(url or "workspace:dashboard")


def add_service_errors(form, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: to its field when the form has it, else on top."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def run_once(request, form, action, *, conflict=None, success_message: str = "", fallback_url: str = ""):
    """Run ``action()`` (the service call, returning the URL to go to) once per form token.

    Returns a response (redirect, conflict page) or ``None`` when the service refused
    the input; its errors are then on ``form`` for the view to re-render.
    """
    try:
        with one_time_submission(form.token, user=request.user) as submission:
            url = action()
            submission.done(url)
    except DuplicateSubmission as duplicate:
        messages.info(
            request, _("この内容は既に送信されています。二重に登録されないよう、2回目の送信は処理しませんでした。")
        )
        return redirect(duplicate.redirect_url or fallback_url or "workspace:dashboard")
    except StaleEdit as stale:
        if conflict is None:
            raise
        return conflict(stale.current)
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        add_service_errors(form, error)
        return None
    if success_message:
        messages.success(request, success_message)
    return redirect(url)


def conflict_response(request, form, *, back_url: str, fields=None, extra_rows=()):
    return lambda current: render_conflict(
        request, form=form, current=current, back_url=back_url, fields=fields, extra_rows=extra_rows
    )


def organization_names() -> list[str]:
    """Suggestions for the organisation name inputs (<datalist>), one query."""
    return list(Organization.objects.order_by("name").values_list("name", flat=True).distinct())
