"""Access and response helpers shared by the ministry workflow views."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect

from regions import permissions


def role_required(check):
    """Login required (anonymous → login page), then ``check(user)`` or 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


ministry_required = role_required(permissions.is_ministry)
reviewer_required = role_required(permissions.is_reviewer)


def base_url(request) -> str:
    """Scheme and host of this request, for links in emails."""
    return request.build_absolute_uri("/").rstrip("/")


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
