"""Bulk inserts that keep their history: the rows and one django-simple-history record each.

simple-history's own ``bulk_create_with_history`` builds a historical model instance per row in
Python and inserts those through the ORM a second time: for a 10,000-row import that is half its
time. Here the history records are copied by the database from the rows just inserted, one
``INSERT INTO <history> (…) SELECT … FROM <table> WHERE id IN (…)`` per batch — the same columns and
values simple-history writes (every tracked field, ``history_type`` 「+」, the date, user and change
reason), in the order of the rows. Used by the data import, ``load_demo`` and ``generate_data``.
"""

from __future__ import annotations

from django.db import connections, router, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history as library_bulk_create_with_history
from simple_history.utils import get_history_model_for_model

# The historical model's own columns besides the copied fields (simple-history's HistoricalRecords).
HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type", "history_user"}


def _copyable(history_model) -> bool:
    """True when the historical model holds only the tracked fields and simple-history's own columns
    (no ``history_relation``, no extra fields of a custom base), so that a copy writes all of it."""
    tracked = {field.name for field in history_model.tracked_fields}
    names = {field.name for field in history_model._meta.concrete_fields}
    return names == tracked | HISTORY_COLUMNS


def bulk_create_with_history(objs, model, *, batch_size: int | None = None, user=None, change_reason=None):
    """``model.objects.bulk_create(objs)`` and a 「+」 history record of each row, in one transaction.

    ``user`` and ``change_reason`` go into every record (``history_user``, ``history_change_reason``).
    Falls back to simple-history's function where the database cannot return the inserted keys or the
    historical model carries more than the copied fields."""
    objs = list(objs)
    database = router.db_for_write(model)
    connection = connections[database]
    history_model = get_history_model_for_model(model)
    if not connection.features.can_return_rows_from_bulk_insert or not _copyable(history_model):
        return library_bulk_create_with_history(
            objs, model, batch_size=batch_size, default_user=user, default_change_reason=change_reason
        )
    if not objs:
        return []
    quote = connection.ops.quote_name
    history_meta = history_model._meta
    own = {  # simple-history's own columns, the same for every record of the call
        "history_change_reason": change_reason,
        "history_date": history_meta.get_field("history_date").get_db_prep_value(timezone.now(), connection),
        "history_type": "+",
        "history_user": getattr(user, "pk", None),
    }
    targets = [quote(history_meta.get_field(field.name).column) for field in history_model.tracked_fields]
    targets += [quote(history_meta.get_field(name).column) for name in own]
    sources = [quote(field.column) for field in history_model.tracked_fields] + ["%s"] * len(own)
    values = list(own.values())
    table, history_table, key = (
        quote(name) for name in (model._meta.db_table, history_meta.db_table, model._meta.pk.column)
    )

    def copy_sql(count: int) -> str:
        # Identifiers from the models' metadata, quoted by the backend; every value is a parameter.
        placeholders = ", ".join(["%s"] * count)
        return (
            f"INSERT INTO {history_table} ({', '.join(targets)}) SELECT {', '.join(sources)} "  # noqa: S608  # nosec B608
            f"FROM {table} WHERE {key} IN ({placeholders}) ORDER BY {key}"
        )

    step = batch_size or len(objs)
    if connection.features.max_query_params:  # SQLite: keys and the four values in one statement
        step = min(step, connection.features.max_query_params - len(values))
    with transaction.atomic(using=database, savepoint=False):
        created = model._default_manager.using(database).bulk_create(objs, batch_size=batch_size)
        keys = [obj.pk for obj in created]
        with connection.cursor() as cursor:
            for start in range(0, len(keys), step):
                batch = keys[start : start + step]
                cursor.execute(copy_sql(len(batch)), [*values, *batch])
    return created
