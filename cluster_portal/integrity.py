"""The invariants of the data, each one checkable against a live database.

Every rule of the money flow is *enforced* in one place (a model's ``clean()`` and
``Meta.constraints``, or a domain service under lock; README "Invariants" lists them).
This module is the other half: each domain app declares, in its ``integrity.py``, a check
per invariant that reads the whole database with a few aggregate queries and yields the
rows that break it. ``manage.py check_integrity`` runs them all; the tests run them after
every kind of write.

A domain app registers its checks with the :func:`invariant` decorator and imports its
``integrity`` module from ``AppConfig.ready()``, so the kernel never imports the domain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q

from cluster_portal.fields import YEN_MAX, is_yen_field


@dataclass(frozen=True)
class Violation:
    """One row that breaks an invariant, named by its natural key (a code, slug or year)."""

    invariant: str
    record: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.invariant}] {self.record}: {self.detail}"


@dataclass(frozen=True)
class Invariant:
    code: str
    rule: str
    check: Callable[[], Iterable[Violation | tuple[str, str]]]

    def violations(self) -> Iterator[Violation]:
        for found in self.check():
            if isinstance(found, Violation):
                yield found
            else:
                record, detail = found
                yield Violation(self.code, record, detail)


REGISTRY: dict[str, Invariant] = {}


def invariant(code: str, rule: str):
    """Register ``check`` (a function yielding ``(record, detail)`` pairs) as invariant ``code``."""

    def decorator(check):
        if code in REGISTRY and REGISTRY[code].check is not check:
            raise ValueError(f"invariant {code!r} is registered twice")
        REGISTRY[code] = Invariant(code, rule, check)
        return check

    return decorator


def invariants(codes: Iterable[str] | None = None) -> list[Invariant]:
    if codes is None:
        return sorted(REGISTRY.values(), key=lambda item: item.code)
    unknown = sorted(set(codes) - set(REGISTRY))
    if unknown:
        raise LookupError(", ".join(unknown))
    return [REGISTRY[code] for code in sorted(set(codes))]


def violations(codes: Iterable[str] | None = None) -> list[Violation]:
    """Every violation of the chosen invariants (all of them by default)."""
    return [found for item in invariants(codes) for found in item.violations()]


# ---------------------------------------------------------------- kernel-wide invariants


def yen_fields() -> Iterator[tuple[type[models.Model], models.Field]]:
    """Every money field of every installed model (the fields ``cluster_portal.fields.yen_field`` makes)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if is_yen_field(field):
                yield model, field


@invariant("money.range", "Every amount is integer yen from 0 to the ceiling (cluster_portal.fields.YEN_MAX).")
def _money_in_range():
    for model, field in yen_fields():
        outside = Q(**{f"{field.name}__lt": 0}) | Q(**{f"{field.name}__gt": YEN_MAX})
        manager = model._base_manager
        for pk, value in manager.filter(outside).values_list("pk", field.name)[:100]:
            yield f"{model._meta.label} #{pk}", f"{field.name} = {value:,} 円"
