"""View plumbing shared by every screen app (ministry, workspace, …): running a service once per
form token, turning a service's errors into form errors, the conflict page of a stale edit, and
one-step actions. Views parse input, check permission, call a service through these and render.

* :func:`run_once` wraps the service call of every create and edit form: the one-time form token
  (:func:`cluster_portal.concurrency.one_time_submission`) makes a repeated POST a no-op that
  follows the first one's redirect, and a :class:`~cluster_portal.concurrency.StaleEdit` from
  :func:`~cluster_portal.concurrency.claim_version` becomes the conflict page (HTTP 409).
* :func:`conflict_response` builds that conflict page for a form.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cluster_portal.concurrency import DuplicateSubmission, StaleEdit, one_time_submission, render_conflict

DEFAULT_FALLBACK_URL = "home"


def duplicate_redirect(request, url: str = "", fallback_url: str = ""):
    """Tell the user their second click was not processed, and go where the first one went."""
    messages.info(
        request, _("この内容は既に送信されています。二重に登録されないよう、2回目の送信は処理しませんでした。")
    )
    return redirect(url or fallback_url or DEFAULT_FALLBACK_URL)


def add_service_errors(form, error: ValidationError, *, renamed: dict[str, str] | None = None) -> None:
    """Attach a service's ValidationError to the form: to its field when the form has it, else on top.

    ``renamed`` maps a service's field name to the form's (e.g. ``{"criteria": "criteria_text"}``).
    """
    renamed = renamed or {}
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            name = renamed.get(name, name)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def run_once(
    request,
    form,
    action,
    *,
    conflict=None,
    success_message: str = "",
    fallback_url: str = "",
    error_fields: dict[str, str] | None = None,
):
    """Run ``action()`` (the service call, returning the URL to go to) once per form token.

    Returns a response (redirect, conflict page) or ``None`` when the service refused
    the input; its errors are then on ``form`` (service field names renamed by
    ``error_fields``) for the view to re-render.
    """
    try:
        with one_time_submission(form.token, user=request.user) as submission:
            url = action()
            submission.done(url)
    except DuplicateSubmission as duplicate:
        return duplicate_redirect(request, duplicate.redirect_url, fallback_url)
    except StaleEdit as stale:
        if conflict is None:
            raise
        return conflict(stale.current)
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        add_service_errors(form, error, renamed=error_fields)
        return None
    if success_message:
        messages.success(request, success_message)
    return redirect(url)


def conflict_response(
    request, form, *, back_url: str, fields=None, extra_rows=(), template_name: str = "workspace/conflict.html"
):
    """The ``conflict`` callback of :func:`run_once`: both versions side by side (HTTP 409).

    ``extra_rows`` are rows for what is not a field of the model (a formset, a text list), or a
    function of the current row returning them.
    """
    return lambda current: render_conflict(
        request,
        form=form,
        current=current,
        back_url=back_url,
        fields=fields,
        extra_rows=extra_rows(current) if callable(extra_rows) else extra_rows,
        template_name=template_name,
    )


def act_and_redirect(request, action, success_message: str, target):
    """Run a one-step service ``action()``; show its refusal (each message) or ``success_message``, then
    go back to ``target`` (an object with ``get_absolute_url`` or a URL)."""
    try:
        action()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, success_message)
    return redirect(target)


def filtered(filterset_class, request, queryset):
    """A staff list narrowed by its django-filter ``FilterSet`` on the request's GET parameters:
    ``(rows, valid values by parameter)``; an invalid value is dropped, as on every GET filter form."""
    filterset = filterset_class(request.GET, queryset=queryset)
    rows = filterset.qs
    return rows, {name: filterset.form.cleaned_data.get(name) for name in filterset.filters}
