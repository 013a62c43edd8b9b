"""The shared base of every import/export resource.

``PortalResource`` adds to django-import-export's ``ModelResource``:

- **natural keys**: rows are matched by ``Meta.import_id_fields`` made of codes,
  slugs, names and fiscal years, never database ids; all existing rows a file
  refers to are loaded in one pass (``NaturalKeyInstanceLoader``). Rows with no
  code of their own in the domain (execution entries, results, events,
  activities) are keyed by the public code the portal issues (``code_column``):
  a blank code is a new row, an issued code updates its row whatever else the
  spreadsheet changed, and a code the portal never issued is refused;
- **headers**: Japanese headers (the verbose names) are written; Japanese and
  English headers (the field name or the English label) are read;
- **region scope**: for a headquarters user every row must belong to their own
  region, before and after the change; anything else is a row error;
- **workflow fields** (``status``) may be set for new rows only;
- **validation**: the model's ``full_clean()``; resources with ``use_bulk`` skip
  the per-row constraint queries and check the same rules in memory;
- a per-row list of changed columns for the preview.
"""

import copy
from functools import partial

from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from import_export import resources
from import_export import widgets as library_widgets
from import_export.instance_loaders import BaseInstanceLoader

from cluster_portal.bulk_history import bulk_create_with_history
from cluster_portal.concurrency import bump_version
from cluster_portal.fiscal import _round_half_up as round_half_up
from cluster_portal.models import TimeStampedModel, own_region_id, sees_everything
from cluster_portal.tabular.columns import header_key
from cluster_portal.tabular.constraints import check_constraints
from cluster_portal.tabular.errors import Issue
from cluster_portal.tabular.preview import ChangedColumns
from cluster_portal.tabular.widgets import (
    ja,
)


class NaturalKeyInstanceLoader(BaseInstanceLoader):
    """Finds existing rows by natural key: one query (per 5,000 keys) for the whole file, not one per row."""

    def __init__(self, resource, dataset=None):
        super().__init__(resource, dataset)
        self.instances = resource.load_existing(dataset)

    def get_instance(self, row):
        key = self.resource.row_key(row)
        return None if key is None else self.instances.get(key)


def _shallow_original(instance, memo=None):
    """What the library's ``deepcopy(instance)`` of a row's "original" becomes (see ``after_init_instance``)."""
    instance.__dict__.pop("__deepcopy__", None)
    return copy.copy(instance)


def _key_part(value):
    if isinstance(value, models.Model):
        return (value._meta.label, value.pk)
    return value


class PortalResource(resources.ModelResource):
    #: attribute path from an instance to its region's id (None: shared master data, not region data);
    #: the same path joined with "__" is the ORM lookup of a headquarters user's export
    region_path: tuple[str, ...] | None = ("region_id",)
    #: relations the export and the row checks read
    select_related: tuple[str, ...] = ()
    prefetch_related: tuple[str, ...] = ()
    #: resource field a wrong region is reported on
    region_field: str = "region"
    #: fields only a workflow may change once the row exists
    protected_on_update: tuple[str, ...] = ()
    #: in-file unique checks besides the natural key: (fields, message)
    unique_together_in_file: tuple = ()

    class Meta:
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        instance_loader_class = NaturalKeyInstanceLoader
        batch_size = 1000

    def __init__(self, *, user=None, **kwargs):
        super().__init__(**kwargs)
        self.user = user
        self.scope_region_id = None
        if user is not None and not sees_everything(user):
            self.scope_region_id = own_region_id(user)
        self._originals = {}
        self._diff_fields = None
        self._import_fields = None

    # ------------------------------------------------------------ metadata

    @classmethod
    def verbose_name(cls) -> str:
        return ja(cls._meta.model._meta.verbose_name)

    def get_import_fields(self):
        # asked for twice per row (field-by-field import, skip_unchanged); the fields never change during an import
        if getattr(self, "_import_fields", None) is None:
            self._import_fields = super().get_import_fields()
        return self._import_fields

    def diff_fields(self):
        if self._diff_fields is None:
            self._diff_fields = [field for field in self.get_import_fields() if not field.readonly]
        return self._diff_fields

    def get_diff_class(self):
        return ChangedColumns

    def diff_reads_database(self) -> bool:
        """Whether a column's value is read from the database (many-to-many) rather than the instance."""
        if getattr(self, "_diff_reads_database", None) is None:
            self._diff_reads_database = any(
                isinstance(field.widget, library_widgets.ManyToManyWidget) for field in self.diff_fields()
            )
        return self._diff_reads_database

    def key_fields(self):
        return [self.fields[name] for name in self.get_import_id_fields()]

    def required_columns(self) -> list[str]:
        names = []
        for field in [*self.key_fields(), *self.fields.values()]:
            if (field in self.key_fields() or getattr(field, "required", False)) and field.column_name not in names:
                names.append(field.column_name)
        return names

    def column_for(self, error_key: str) -> str:
        """The header an error of model field ``error_key`` belongs to ("" for errors of the whole row)."""
        if error_key == NON_FIELD_ERRORS:
            return ""
        for name, field in self.fields.items():
            if field.readonly:
                continue
            if error_key in (name, field.attribute, (field.attribute or "").removesuffix("_id")):
                return field.column_name
        try:
            return ja(self._meta.model._meta.get_field(error_key).verbose_name)
        except Exception:
            return error_key

    def map_headers(self, headers):
        """``(canonical headers, warnings, errors)``: each file header mapped to this resource's column name.

        Unknown columns are ignored with a warning (documented behaviour); a column
        given twice (e.g. in Japanese and English) and missing required columns are errors.
        """
        lookup = {}
        for field in self.fields.values():
            for name in (field.column_name, *getattr(field, "aliases", ())):
                lookup.setdefault(header_key(name), field.column_name)
        thousands = {
            header_key(self.thousand_yen_header(self.fields[name])): self.fields[name].column_name
            for name in self.thousand_yen_fields
        }
        canonical, warnings, errors, seen = [], [], [], {}
        for position, header in enumerate(headers, start=1):
            name = lookup.get(header_key(header)) if str(header).strip() else None
            if name is None and header_key(header) in thousands:
                warnings.append(
                    Issue(
                        _(
                            "「%(header)s」は千円単位の参考の列のため読み込みません。"
                            "金額は「%(yen)s」の列（円単位）から読み込みます。"
                        )
                        % {"header": header, "yen": thousands[header_key(header)]},
                        line=1,
                    )
                )
                canonical.append(f"\x00ignored-{position}")
                continue
            if name is None:
                if str(header).strip():
                    warnings.append(
                        Issue(_("「%(header)s」は使わない列のため無視しました。") % {"header": header}, line=1)
                    )
                canonical.append(f"\x00ignored-{position}")
                continue
            if name in seen:
                errors.append(
                    Issue(
                        _("「%(first)s」と「%(second)s」は同じ列です。どちらか一方にしてください。")
                        % {"first": seen[name], "second": header},
                        line=1,
                    )
                )
            seen[name] = header
            canonical.append(name)
        for name in self.required_columns():
            if name not in seen:
                message = _("必須の列「%(column)s」がありません。") % {"column": name}
                if name in self.blank_code_columns():
                    message += _("新しい行はこの列を空欄にします（コードは登録時に付きます）。")
                errors.append(Issue(message, line=1))
        return canonical, warnings, errors

    # ------------------------------------------------------------ natural keys

    def prime(self, dataset) -> None:
        """Load every row the file's foreign keys name, in a few queries."""
        columns = set(dataset.headers or ())
        for field in self.fields.values():
            if field.column_name in columns and hasattr(field.widget, "prime"):
                field.widget.prime(dataset[field.column_name])

    def row_key(self, row):
        try:
            key = tuple(_key_part(field.clean(row)) for field in self.key_fields())
        except (ValueError, ValidationError, KeyError):
            return None
        if any(part in (None, "") for field, part in zip(self.key_fields(), key, strict=True) if field.blank_is_new):
            return None  # a new row: nothing to look up
        return key

    def blank_code_columns(self) -> list[str]:
        return [field.column_name for field in self.key_fields() if field.blank_is_new]

    def instance_key(self, instance):
        return tuple(_key_part(field.get_value(instance)) for field in self.key_fields())

    def existing_queryset(self, keys):
        """Existing rows that may match ``keys``: filtered on each key column's values."""
        queryset = self.get_queryset()
        for position, field in enumerate(self.key_fields()):
            values = {key[position] for key in keys}
            values = [value[1] if isinstance(value, tuple) else value for value in values]
            queryset = queryset.filter(**{f"{field.attribute}__in": values})
        return queryset

    def load_existing(self, dataset) -> dict:
        self.prime(dataset)
        keys = {key for key in (self.row_key(row) for row in dataset.dict) if key is not None}
        if not keys:
            return {}
        existing = {}
        keys = list(keys)
        for start in range(0, len(keys), 5000):
            for instance in self.existing_queryset(keys[start : start + 5000]):
                existing[self.instance_key(instance)] = instance
        return existing

    def file_issues(self, dataset, lines) -> list[Issue]:
        """Duplicate keys inside the file (and other in-file unique rules), before any row is imported."""
        issues = []
        checks = [(tuple(self.get_import_id_fields()), None), *self.unique_together_in_file]
        for names, message in checks:
            first_line = {}
            key_fields = [self.fields[name] for name in names]
            for index, row in enumerate(dataset.dict):
                try:
                    key = tuple(_key_part(field.clean(row)) for field in key_fields)
                except (ValueError, ValidationError, KeyError):
                    continue
                blank = any(part in (None, "") for part in key)
                if blank and (message is not None or any(field.blank_is_new for field in key_fields)):
                    continue  # blank optional values, and new rows without a code yet, repeat freely
                line = lines[index]
                if key in first_line:
                    issues.append(
                        Issue(
                            message
                            or _(
                                "%(first)s行目と同じキー（%(key)s）です。1つのファイルに同じ行は1回だけ入れてください。"
                            )
                            % {
                                "first": f"{first_line[key]:,}",
                                "key": "、".join(str(row.get(field.column_name, "")) for field in key_fields),
                            },
                            line=line,
                            column=key_fields[0].column_name,
                        )
                    )
                else:
                    first_line[key] = line
        return issues

    # ------------------------------------------------------------ scope and queries

    def get_queryset(self):
        queryset = self._meta.model._default_manager.all()
        if self.select_related:
            queryset = queryset.select_related(*self.select_related)
        return queryset

    @property
    def region_lookup(self) -> str | None:
        return None if self.region_path is None else "__".join(self.region_path)

    def export_queryset(self, user):
        """What ``user`` may export: everything for the ministry and administrators, their region for HQ staff."""
        queryset = self.get_queryset()
        if self.prefetch_related:
            queryset = queryset.prefetch_related(*self.prefetch_related)
        if user is None or sees_everything(user) or self.region_lookup is None:
            return queryset
        region_id = own_region_id(user)
        if region_id is None:
            return queryset.none()
        return queryset.filter(**{self.region_lookup: region_id})

    def region_id_of(self, instance):
        if self.region_path is None:
            return None
        value = instance
        for attribute in self.region_path:
            try:
                value = getattr(value, attribute)
            except Exception:
                return None
            if value is None:
                return None
        return value

    # ------------------------------------------------------------ the import of one row

    progress = None

    def after_import_row(self, row, row_result, **kwargs):
        if self.progress is not None:
            self.progress(kwargs.get("row_number", 0))

    def after_init_instance(self, instance, new, row, **kwargs):
        # The library keeps ``deepcopy(instance)`` as the row's original, for ``skip_unchanged`` and the
        # preview's "before" values; a deep copy also copies every related row the instance holds (its
        # region, project, grant ...), the largest cost of a 10,000-row import. A shallow copy (own field
        # values and relation cache, the related rows shared) is enough: the import sets a row's fields
        # and relations, it never changes a related row in place.
        instance.__dict__["__deepcopy__"] = partial(_shallow_original, instance)
        if not new:
            self._originals[id(instance)] = (
                self.region_id_of(instance),
                {name: getattr(instance, name) for name in self.protected_on_update},
            )

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name not in row:
            return  # a column the file leaves out (before the library formats a debug message per cell)
        if getattr(field, "blank_is_new", False) and instance.pk is None:
            return  # a new row keeps the code its model issues; a code typed for a new row is refused below
        super().import_field(field, instance, row, is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        instance.__dict__.pop("__deepcopy__", None)  # when the library made no copy (skip_diff)
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if instance.pk is None:
            for field in self.key_fields():
                given = field.clean(row) if field.blank_is_new and field.column_name in row else ""
                if given:
                    errors.setdefault(field.attribute, []).append(
                        ValidationError(
                            _("「%(code)s」は登録されていないコードです。新しい行はコードを空欄にしてください。")
                            % {"code": given}
                        )
                    )
        original_region_id, protected = self._originals.pop(id(instance), (None, {}))
        for name, before in protected.items():
            if getattr(instance, name) != before:
                errors.setdefault(name, []).append(
                    ValidationError(
                        _("登録済みの行の「%(column)s」は取込では変更できません。各画面の手続きで変更してください。")
                        % {"column": self.column_for(name)}
                    )
                )
        if self.scope_region_id is not None:
            region_id = self.region_id_of(instance)
            if original_region_id is not None and original_region_id != self.scope_region_id:
                errors.setdefault(self.fields[self.get_import_id_fields()[0]].attribute, []).append(
                    ValidationError(_("他の地域のデータです。自分のクラスターのデータだけを取り込めます。"))
                )
            elif region_id is not None and region_id != self.scope_region_id:
                errors.setdefault(self.fields[self.region_field].attribute, []).append(
                    ValidationError(_("他の地域を指しています。自分のクラスターのデータだけを取り込めます。"))
                )
        errors.update(self.row_errors(instance, row, errors))
        if errors:
            raise ValidationError(errors)

    def row_errors(self, instance, row, errors) -> dict:
        """Resource-specific checks of one row; ``{field: [messages]}``."""
        return {}

    def resolved_foreign_keys(self) -> list[str]:
        """Model FK names whose values came from this import's own lookups (no need to query them again)."""
        names = []
        for field in self.fields.values():
            if field.readonly or not field.attribute or "__" in field.attribute:
                continue
            try:
                model_field = self._meta.model._meta.get_field(field.attribute)
            except FieldDoesNotExist:
                continue  # a column that is not a model field (e.g. an organisation's kind)
            if isinstance(model_field, models.ForeignKey):
                names.append(model_field.name)
        return names

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        """The model's ``full_clean()``; its CheckConstraints evaluated in memory (``constraints.py``).

        Natural keys are unique by construction (an existing key updates its row,
        a key twice in a file is refused first), so unique constraints on them are
        not queried again; field-level ``unique`` is still validated unless the
        resource uses bulk writes (where every unique field is its natural key).
        """
        errors = dict(import_validation_errors or {})
        exclude = set(errors) | set(self.resolved_foreign_keys())
        try:
            instance.full_clean(exclude=exclude, validate_unique=not self._meta.use_bulk, validate_constraints=False)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if not errors:
            errors = check_constraints(instance, exclude=exclude)
            if not self._meta.use_bulk and not errors:
                errors = self.check_unique_constraints(instance, exclude)
        if errors:
            raise ValidationError(errors)

    def check_unique_constraints(self, instance, exclude) -> dict:
        """UniqueConstraints other than the natural key (e.g. a grant's region and year when keyed otherwise)."""
        key_attributes = {field.attribute for field in self.key_fields()}
        errors = {}
        for constraint in instance._meta.constraints:
            if not isinstance(constraint, models.UniqueConstraint) or set(constraint.fields) <= key_attributes:
                continue
            try:
                constraint.validate(type(instance), instance, exclude=set(exclude) - set(constraint.fields))
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        return errors

    def before_save_instance(self, instance, row, **kwargs):
        if isinstance(instance, TimeStampedModel) and instance.pk is not None:
            bump_version(instance)
            instance.updated_at = timezone.now()
        if self.user is not None and self.user.is_authenticated:
            instance._history_user = self.user

    # ------------------------------------------------------------ bulk writes (with history where the model keeps it)

    def get_bulk_update_fields(self):
        names = []
        for field in self.diff_fields():
            try:
                model_field = self._meta.model._meta.get_field(field.attribute)
            except FieldDoesNotExist:
                continue  # a column that is not a model field (e.g. an organisation's kind)
            if model_field.many_to_many or model_field.name in self.get_import_id_fields():
                continue
            names.append(model_field.name)
        if issubclass(self._meta.model, TimeStampedModel):
            names += ["version", "updated_at"]
        return names

    def _has_history(self) -> bool:
        return hasattr(self._meta.model, "history")

    def bulk_create(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self._has_history() or not self.create_instances or (dry_run and not using_transactions):
            return super().bulk_create(using_transactions, dry_run, raise_errors, batch_size, result)
        try:
            bulk_create_with_history(
                self.create_instances, self._meta.model, batch_size=batch_size, user=self._history_user()
            )
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.create_instances.clear()

    def bulk_update(self, using_transactions, dry_run, raise_errors, batch_size=None, result=None):
        if not self._has_history() or not self.update_instances or (dry_run and not using_transactions):
            return super().bulk_update(using_transactions, dry_run, raise_errors, batch_size, result)
        from simple_history.utils import bulk_update_with_history

        try:
            bulk_update_with_history(
                self.update_instances,
                self._meta.model,
                self.get_bulk_update_fields(),
                batch_size=batch_size,
                default_user=self._history_user(),
            )
        except Exception as error:
            self.handle_import_error(result, error, raise_errors)
        finally:
            self.update_instances.clear()

    def _history_user(self):
        return self.user if self.user is not None and self.user.is_authenticated else None

    # ------------------------------------------------------------ export

    #: yen fields that the ministry's forms show in 千円: the export adds a 「…（千円）」 column
    #: beside their 「…（円）」 column (for reading only: the import reads the 円 column)
    thousand_yen_fields: tuple[str, ...] = ()

    def thousand_yen_header(self, field) -> str:
        name = field.column_name
        return name.replace("（円）", "（千円）") if "（円）" in name else name + "（千円）"

    def thousand_yen_headers(self) -> list[str]:
        return [self.thousand_yen_header(self.fields[name]) for name in self.thousand_yen_fields]

    def export_rows(self, queryset, *, codes: bool = False):
        """Native values (str, int, date) per row, in ``export_headers()`` order.

        Kinds and states are written as their Japanese labels (「人件費」), or as their codes
        (``personnel``) with ``codes``; the import reads either."""
        export_fields = self.get_export_fields()
        thousands = {self.fields[name] for name in self.thousand_yen_fields}
        for instance in self.iter_queryset(queryset):
            row = []
            for field in export_fields:
                value = self.export_field(field, instance, labels=not codes)
                row.append(value)
                if field in thousands:
                    row.append(None if value is None else round_half_up(int(value), 1000))
            yield row

    def export_headers(self) -> list[str]:
        headers = []
        thousands = {self.fields[name] for name in self.thousand_yen_fields}
        for field in self.get_export_fields():
            headers.append(field.column_name)
            if field in thousands:
                headers.append(self.thousand_yen_header(field))
        return headers
