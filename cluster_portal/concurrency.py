"""No lost updates and no double submissions, for every edit form of the portal.

Two independent guards, both usable from any app (workspace, ministry pages):

* **Optimistic locking.** Every ``TimeStampedModel`` row has a ``version``. An edit
  form carries the version it was rendered from (:class:`VersionedForm`, hidden
  field ``version``). The service claims the row with :func:`claim_version`, a
  conditional ``UPDATE … SET version = version + 1 WHERE pk = … AND version = …``:
  it takes the row lock (PostgreSQL) or the write lock (SQLite) and succeeds only
  if nobody saved in between; otherwise it raises :class:`StaleEdit` carrying the
  current row, and the view shows :func:`render_conflict` (both versions side by
  side, HTTP 409). Nothing is saved.

* **One-time form tokens.** Every form carries a random ``form_token``
  (:class:`OneTimeTokenForm`). The view runs the service inside
  :func:`one_time_submission`, which inserts the token into a table with a
  unique index in the *same* transaction. A second POST of the same form (a
  double click) blocks on that index until the first commits, then fails and
  raises :class:`DuplicateSubmission` with the address the first one redirected
  to. If the first POST fails validation its transaction rolls back and the
  token becomes free again, so the user can correct and resend the same form.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django import forms
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SUBMISSION_MODEL = "cluster_portal.SubmissionToken"
TOKEN_LIFETIME = datetime.timedelta(days=2)


class StaleEdit(Exception):
    """The row was saved by someone else after the form was rendered."""

    def __init__(self, current: models.Model):
        super().__init__(_("この内容は、編集を始めた後に他の人が更新しました。"))
        self.current = current


class DuplicateSubmission(Exception):
    """The same form (same one-time token) was already submitted."""

    def __init__(self, redirect_url: str = ""):
        super().__init__(_("この内容は既に送信されています。"))
        self.redirect_url = redirect_url


# ---------------------------------------------------------------- forms


def new_form_token() -> str:
    return secrets.token_urlsafe(24)


class OneTimeTokenForm(forms.Form):
    """Adds a hidden one-time ``form_token``; combine with ModelForm: ``class F(OneTimeTokenForm, ModelForm)``."""

    form_token = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("form_token", new_form_token())

    @property
    def token(self) -> str:
        return (self.cleaned_data if hasattr(self, "cleaned_data") else {}).get("form_token") or ""


class VersionedForm(OneTimeTokenForm):
    """Adds the hidden ``version`` the edit started from (taken from ``instance`` or ``initial``).

    Required when the form edits something (a saved ``instance``, or ``initial["version"]`` given by
    the view on GET and POST alike); optional on a create form."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if not self.is_bound and instance is not None and instance.pk is not None:
            self.initial["version"] = instance.version
        editing = (instance is not None and instance.pk is not None) or "version" in self.initial
        if not editing:
            # A create form has no version to compare with.
            self.fields["version"].required = False

    @property
    def expected_version(self) -> int | None:
        return self.cleaned_data.get("version")


# ---------------------------------------------------------------- optimistic locking


def claim_version(queryset: models.QuerySet, *, pk, expected_version: int | None) -> models.Model:
    """Bump the row's version if it still is ``expected_version``; return the fresh row.

    The one optimistic-locking primitive of the portal: every write to a versioned row
    claims it here. Call inside ``transaction.atomic``: the conditional UPDATE holds the
    row until commit, so a concurrent editor waits and then finds the version changed.
    The returned instance already carries the new version; set fields, ``full_clean()``
    and ``save()`` it. Raises ``StaleEdit`` (with the current row) or ``DoesNotExist``
    (row gone or outside ``queryset``).

    ``expected_version=None`` is for writes that do not start from an edit form (a state
    transition, a recomputed total, an import): the row is claimed and its version bumped
    unconditionally, so that any edit form opened before sees the change as a conflict.
    """
    rows = queryset.filter(pk=pk)
    if expected_version is not None:
        rows = rows.filter(version=expected_version)
    updated = rows.update(version=F("version") + 1)
    if not updated:
        current = queryset.get(pk=pk)  # DoesNotExist propagates
        raise StaleEdit(current)
    return queryset.get(pk=pk)


def bump_version(instance: models.Model) -> None:
    """Move the version of a row a bulk writer (an import, the demo loader) is about to save.

    Those writers hold their rows in their own transaction and save many at once (often with
    ``bulk_update``), so they do not claim each row; bumping the version still makes every edit
    form opened before the write see it as a conflict. Interactive writes use :func:`claim_version`.
    """
    instance.version += 1


# ---------------------------------------------------------------- one-time tokens


@dataclass
class Submission:
    token_row: models.Model | None
    redirect_url: str = ""

    def done(self, redirect_url: str) -> None:
        """Remember where the first submission went, for a repeated click to follow."""
        self.redirect_url = redirect_url
        if self.token_row is not None:
            self.token_row.redirect_url = redirect_url[:500]
            self.token_row.save(update_fields=["redirect_url"])


def _token_model():
    return apps.get_model(SUBMISSION_MODEL)


@contextmanager
def one_time_submission(token: str, *, user=None) -> Iterator[Submission]:
    """Run the block in a transaction that also consumes ``token``; see the module docstring.

    ``with one_time_submission(form.token, user=request.user) as submission:``
    call the service, then ``submission.done(url)``. Raises ``DuplicateSubmission``.
    """
    model = _token_model()
    if not token:
        with transaction.atomic():
            yield Submission(None)
        return
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    row = model.objects.create(token=token, user=user if user and user.is_authenticated else None)
            except IntegrityError:
                raise DuplicateSubmission(_previous_redirect(model, token)) from None
            yield Submission(row)
    finally:
        _forget_old_tokens(model)


def previous_submission(token: str) -> str | None:
    """Where an already processed submission of this token went ("" if unknown), or None if unused.

    Views check this before validating a POST, so that a repeated click is recognised even
    when the input would no longer validate (e.g. a code that the first click made taken).
    """
    if not token:
        return None
    model = _token_model()
    row = model.objects.filter(token=token).values_list("redirect_url", flat=True).first()
    return row


def _previous_redirect(model, token: str) -> str:
    previous = model.objects.filter(token=token).values_list("redirect_url", flat=True).first()
    return previous or ""


def _forget_old_tokens(model) -> None:
    # Cheap housekeeping on an indexed column; tokens only need to outlive a double click.
    model.objects.filter(created_at__lt=timezone.now() - TOKEN_LIFETIME).delete()


# ---------------------------------------------------------------- conflict page


@dataclass(frozen=True)
class ConflictRow:
    label: str
    mine: str
    theirs: str

    @property
    def differs(self) -> bool:
        return self.mine != self.theirs


def _show(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("はい") if value else _("いいえ"))
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Iterable) and not isinstance(value, str):
        return "、".join(str(item) for item in value) or "—"
    return str(value)


def _display(form: forms.BaseForm, name: str, value) -> str:
    field = form.fields.get(name)
    choices = getattr(field, "choices", None)
    if choices is not None and not isinstance(field, forms.ModelChoiceField):
        labels = {str(key): label for key, label in choices}
        if str(value) in labels:
            return str(labels[str(value)])
    return _show(value)


def conflict_rows(
    form: forms.BaseForm, current: models.Model, fields: Iterable[str] | None = None
) -> list[ConflictRow]:
    """Field-by-field comparison of what the user sent and what is saved now."""
    names = list(fields) if fields is not None else [n for n in form.fields if n not in ("version", "form_token")]
    cleaned = getattr(form, "cleaned_data", {}) or {}
    rows = []
    for name in names:
        field = form.fields.get(name)
        if field is None:
            continue
        mine = cleaned.get(name, form.data.get(form.add_prefix(name), ""))
        try:
            theirs = getattr(current, name)
        except (AttributeError, ValueError):
            continue
        if hasattr(theirs, "all") and callable(theirs.all):
            theirs = list(theirs.all())
        rows.append(
            ConflictRow(
                label=str(field.label or name), mine=_display(form, name, mine), theirs=_display(form, name, theirs)
            )
        )
    return rows


CONFLICT_TITLE = gettext_lazy("編集が競合しました")


def render_conflict(
    request,
    *,
    form: forms.BaseForm,
    current: models.Model,
    back_url: str,
    fields: Iterable[str] | None = None,
    extra_rows: Iterable[ConflictRow] = (),
    template_name: str = "workspace/conflict.html",
    context: dict | None = None,
):
    """The conflict page: both versions side by side, nothing saved (HTTP 409 Conflict)."""
    history = getattr(current, "history", None)
    latest = history.select_related("history_user").first() if history is not None else None
    page_context = {
        "title": CONFLICT_TITLE,
        "object": current,
        "rows": [*conflict_rows(form, current, fields), *extra_rows],
        "back_url": back_url,
        "current_version": current.version,
        "submitted_version": form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None,
        "changed_by": getattr(latest, "history_user", None),
        "changed_at": getattr(current, "updated_at", None),
        **(context or {}),
    }
    return render(request, template_name, page_context, status=409)
