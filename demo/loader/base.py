"""Shared machinery of the demo loader: the run context, idempotent upserts,
deterministic random streams and small helpers for dates and money.

Every row the demo writes is found again on the next run through a natural key
(a slug, a code, or a tuple such as ``(region, fiscal_year)``), never through a
database id. A row is saved only when one of its values differs, so a second run
writes nothing but the demo users' passwords and adds no history rows.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import models

from cluster_portal.bulk_history import bulk_create_with_history
from cluster_portal.concurrency import bump_version

# Fixed seed: the same demo database on every machine and every run.
SEED = 20020401
DEMO = "（デモ）"
DEMO_EN = "(Demo) "
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
TOKYO = ZoneInfo("Asia/Tokyo")


class DemoDataError(Exception):
    """The generator produced inconsistent data (a bug in the demo code, not in the database)."""


def rng_for(*parts: object) -> random.Random:
    """An independent random stream per entity, so one region's data never shifts another's.

    String seeds are hashed with SHA-512 by ``random``, so streams do not depend on
    PYTHONHASHSEED and are the same on every machine.
    """
    return random.Random(":".join(str(part) for part in (SEED, *parts)))  # noqa: S311 (demo data, not security)


@dataclass
class DemoContext:
    """What one run of the loader shares between the entity functions."""

    today: datetime.date
    password: str | None = None
    created: Counter = field(default_factory=Counter)
    updated: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    seen: set = field(default_factory=set)
    existing: dict = field(default_factory=dict)  # (model, key fields) -> {key: row}
    deferred: dict = field(default_factory=dict)  # model -> new rows waiting for one bulk insert
    # Lookups filled as the run proceeds.
    prefectures: dict = field(default_factory=dict)  # name -> Prefecture
    programs: dict = field(default_factory=dict)  # code -> Program
    calls: dict = field(default_factory=dict)  # code -> Call
    governments: dict = field(default_factory=dict)  # prefecture name -> Organization
    users: dict = field(default_factory=dict)  # username -> User
    logins: list = field(default_factory=list)  # (username, role, region, password)
    doi_numbers: Counter = field(default_factory=Counter)  # year -> last paper number
    registration_number: int = 0


def _field_value(obj: models.Model, name: str):
    """The stored value of a field, comparing foreign keys by id (no extra query)."""
    model_field = obj._meta.get_field(name)
    if model_field.many_to_one or model_field.one_to_one:
        return getattr(obj, model_field.attname)
    return getattr(obj, name)


def _wanted_value(obj: models.Model, name: str, value):
    model_field = obj._meta.get_field(name)
    if model_field.many_to_one or model_field.one_to_one:
        return value.pk if value is not None else None
    return value


def _existing(ctx: DemoContext, model, names: tuple[str, ...]) -> dict:
    """All rows of a model indexed by the given natural-key fields (one query per model and key)."""
    index_key = (model._meta.label, names)
    if index_key not in ctx.existing:
        ctx.existing[index_key] = {
            tuple(_field_value(obj, name) for name in names): obj for obj in model._default_manager.all()
        }
    return ctx.existing[index_key]


def _validate(obj: models.Model) -> None:
    """Field and model rules (``clean()``). Foreign keys point to rows this run just wrote, and
    uniqueness and check constraints are enforced by the database, so those queries are skipped."""
    relations = [f.name for f in obj._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=relations, validate_unique=False, validate_constraints=False)


def upsert(
    ctx: DemoContext,
    model,
    *,
    lookup: dict,
    values: dict | None = None,
    create_values: dict | None = None,
    defer: bool = False,
):
    """Find a row by its natural key and make it hold ``values``; create it if missing.

    ``create_values`` are used only when the row is created (e.g. the slug of an
    organisation found by name). ``defer`` queues a new row for a bulk insert by
    ``flush()``; only for rows nothing else refers to in the same run. Each natural
    key may be used once per run, which catches generator bugs that would otherwise
    silently merge two rows.
    """
    values = values or {}
    names = tuple(sorted(lookup))
    key = tuple(_wanted_value(model, name, lookup[name]) for name in names)
    if (model._meta.label, names, key) in ctx.seen:
        shown = dict(zip(names, key, strict=True))
        raise DemoDataError(f"Natural key used twice in one run: {model._meta.label} {shown}")
    ctx.seen.add((model._meta.label, names, key))
    label = model._meta.label
    existing = _existing(ctx, model, names)
    obj = existing.get(key)
    if obj is None:
        obj = model(**lookup, **values, **(create_values or {}))
        _validate(obj)
        if defer:
            ctx.deferred.setdefault(model, []).append(obj)
        else:
            obj.save()
        existing[key] = obj
        ctx.created[label] += 1
        return obj
    changed = [name for name, value in values.items() if _field_value(obj, name) != _wanted_value(obj, name, value)]
    if not changed:
        ctx.unchanged[label] += 1
        return obj
    for name in changed:
        setattr(obj, name, values[name])
    update_fields = list(changed)
    if hasattr(obj, "version"):
        bump_version(obj)
        update_fields.append("version")
    if hasattr(obj, "updated_at"):
        update_fields.append("updated_at")
    _validate(obj)
    obj.save(update_fields=update_fields)
    ctx.updated[label] += 1
    return obj


def flush(ctx: DemoContext) -> None:
    """Insert the deferred new rows in bulk, with their history records where the model keeps history."""
    for model, objs in ctx.deferred.items():
        if getattr(model._meta, "simple_history_manager_attribute", None):
            bulk_create_with_history(objs, model, batch_size=500)
        else:
            model._default_manager.bulk_create(objs, batch_size=500)
    ctx.deferred.clear()


# ---------------------------------------------------------------------------
# Dates, money and text


def fiscal_year_start(fiscal_year: int) -> datetime.date:
    return datetime.date(fiscal_year, 4, 1)


def fiscal_year_end(fiscal_year: int) -> datetime.date:
    return datetime.date(fiscal_year + 1, 3, 31)


def day_in_fiscal_year(rng: random.Random, fiscal_year: int, *, first_month: int = 4, last_month: int = 15):
    """A day of a fiscal year; months 13–15 stand for January–March of the next year."""
    month = rng.randint(first_month, last_month)
    year = fiscal_year + (1 if month > 12 else 0)
    month = month - 12 if month > 12 else month
    return datetime.date(year, month, rng.randint(1, 28))


def at_tokyo(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TOKYO)


def thousands(amount: float) -> int:
    """Integer yen rounded down to whole thousands (budgets are kept in 千円)."""
    return int(amount) // 1000 * 1000


def split_amount(rng: random.Random, total: int, parts: int, *, unit: int = 1000) -> list[int]:
    """Split integer yen into ``parts`` positive shares of whole ``unit``s that add up exactly."""
    if parts < 1:
        raise DemoDataError("split_amount needs at least one part")
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = sum(weights)
    shares = [int(total * weight / scale) // unit * unit for weight in weights]
    shares[-1] = total - sum(shares[:-1])
    return shares


def demo(text: str) -> str:
    """A generated name, marked so nobody takes it for a real one."""
    return f"{DEMO}{text}"


def demo_en(text: str) -> str:
    return f"{DEMO_EN}{text}"
