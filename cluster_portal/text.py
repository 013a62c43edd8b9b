"""Search text that finds Japanese regardless of full-width/half-width forms.

Both the query and what is searched are NFKC-normalised: the query in Python
(``normalize``) and the stored text in the database (``NFKC``), which is
PostgreSQL's built-in ``normalize(text, NFKC)`` and, on SQLite, a deterministic
function registered on the connection the first time it is used. So 「ﾅﾉ」 finds
「ナノ」, 「ＩＴ」 finds 「IT」, and stored 「ﾅﾉ」 is found by 「ナノ」 as well.
"""

import contextlib
import unicodedata

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

MAX_QUERY_LENGTH = 100


def normalize(text) -> str:
    """NFKC form of ``text`` with surrounding white space removed (``None`` → "")."""
    return unicodedata.normalize("NFKC", str(text or "")).strip()[:MAX_QUERY_LENGTH]


def _sqlite_nfkc(value):
    return None if value is None else unicodedata.normalize("NFKC", value)


class NFKC(models.Func):
    """The NFKC-normalised text of an expression, on SQLite and PostgreSQL."""

    output_field = models.TextField()
    arity = 1

    def as_sqlite(self, compiler, connection, **extra_context):
        raw = connection.connection
        if raw is None:
            connection.ensure_connection()
            raw = connection.connection
        if not getattr(raw, "_portal_nfkc", False):
            raw.create_function("portal_nfkc", 1, _sqlite_nfkc, deterministic=True)
            with contextlib.suppress(AttributeError):  # sqlite3.Connection may refuse attributes
                raw._portal_nfkc = True
        return super().as_sql(compiler, connection, function="portal_nfkc", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="normalize(%(expressions)s, NFKC)", **extra_context)

    def as_sql(self, compiler, connection, **extra_context):  # other databases: compare as stored
        return super().as_sql(compiler, connection, template="%(expressions)s", **extra_context)


def text_q(fields: list[str], query: str, *, prefix: str = "") -> tuple[dict, Q]:
    """Annotations and a Q matching rows where any of ``fields`` contains every word of ``query``.

    Returns ``(annotations, q)``; apply with ``queryset.alias(**annotations).filter(q)``.
    Words are separated by white space (full-width spaces too, after NFKC).
    """
    words = normalize(query).split()
    annotations = {
        f"_nfkc_{prefix}{index}": NFKC(Coalesce(models.F(field), models.Value(""), output_field=models.TextField()))
        for index, field in enumerate(fields)
    }
    condition = Q()
    for word in words:
        any_field = Q()
        for alias in annotations:
            any_field |= Q(**{f"{alias}__icontains": word})
        condition &= any_field
    return annotations, condition


def search(queryset, fields: list[str], query: str):
    """``queryset`` narrowed to rows matching ``query`` in ``fields`` (unchanged for an empty query)."""
    if not normalize(query):
        return queryset
    annotations, condition = text_q(fields, query)
    return queryset.alias(**annotations).filter(condition)
