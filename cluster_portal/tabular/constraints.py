"""A model's CheckConstraints evaluated in memory, for imports of thousands of rows.

``Model.full_clean()`` validates each CheckConstraint with a database query per
row; for an import that is most of its time. These are the model's own
constraint definitions, evaluated in Python with SQL's three-valued logic (a
comparison with NULL is unknown, and a CHECK passes unless it is false). Any
condition this evaluator does not understand is validated by the constraint
itself (with its query), so nothing is ever skipped.
"""

import operator

from django.core.exceptions import ValidationError
from django.db.models import CheckConstraint, F, Q

_OPERATORS = {
    "exact": operator.eq,
    "gte": operator.ge,
    "gt": operator.gt,
    "lte": operator.le,
    "lt": operator.lt,
}


class Unsupported(Exception):
    pass


def _value(model, instance, name):
    try:
        field = model._meta.get_field(name)
    except Exception:
        raise Unsupported(name) from None
    if field.is_relation and not field.many_to_one:
        raise Unsupported(name)
    return getattr(instance, field.attname)


def _leaf(model, instance, lookup: str, right):
    parts = lookup.split("__")
    if len(parts) > 2:
        raise Unsupported(lookup)
    name, op = parts[0], (parts[1] if len(parts) == 2 else "exact")
    left = _value(model, instance, name)
    if isinstance(right, F):
        right = _value(model, instance, right.name)
    elif hasattr(right, "resolve_expression"):
        raise Unsupported(lookup)
    if op == "isnull":
        return (left is None) == bool(right)
    if op == "in":
        return None if left is None else left in right
    if op not in _OPERATORS:
        raise Unsupported(lookup)
    if left is None or right is None:
        return None
    return _OPERATORS[op](left, right)


def evaluate(model, instance, q: Q):
    """True, False or None (unknown, as SQL's NULL) for ``q`` on an unsaved or changed instance."""
    results = []
    for child in q.children:
        if isinstance(child, Q):
            results.append(evaluate(model, instance, child))
        else:
            results.append(_leaf(model, instance, *child))
    if q.connector == Q.AND:
        value = False if False in results else (None if None in results else True)
    elif q.connector == Q.OR:
        value = True if True in results else (None if None in results else False)
    else:
        raise Unsupported(q.connector)
    if q.negated and value is not None:
        value = not value
    return value


def first_field(q: Q) -> str:
    """The field a violation is reported on: the first one compared (not merely tested for NULL)."""
    fallback = ""
    for child in q.children:
        name = first_field(child) if isinstance(child, Q) else child[0].split("__")[0]
        is_null_test = not isinstance(child, Q) and child[0].endswith("__isnull")
        if name and not is_null_test:
            return name
        fallback = fallback or name
    return fallback


def check_constraints(instance, exclude=()) -> dict:
    """``{field: [ValidationError]}`` for the instance's CheckConstraints, evaluated without queries where possible."""
    model = type(instance)
    errors = {}
    for constraint in model._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        try:
            ok = evaluate(model, instance, constraint.condition) is not False
        except Unsupported:
            try:
                constraint.validate(model, instance, exclude=set(exclude))
                ok = True
            except ValidationError:
                ok = False
        if not ok:
            field = first_field(constraint.condition) or "__all__"
            errors.setdefault(field, []).append(ValidationError(constraint.get_violation_error_message()))
    return errors
