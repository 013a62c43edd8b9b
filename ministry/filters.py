"""The filters of the ministry's lists, declared once each with django-filter (as the public lists'
are in ``public.filters``). An invalid value is dropped, as on every GET filter form."""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cluster_portal.forms import JapaneseDateField
from cluster_portal.models import User
from ministry.forms import call_label
from regions.activity import ActivityAction, ActivityKind
from regions.models import CALL_TIME_ZONE, Call, CallStatus, Grant, Proposal, ProposalStatus, Region


class CallFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=CallStatus.choices)

    class Meta:
        model = Call
        fields = ["status"]


class ProposalFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=[choice for choice in ProposalStatus.choices if choice[0] != ProposalStatus.DRAFT]
    )
    call = django_filters.CharFilter(field_name="call__code")

    class Meta:
        model = Proposal
        fields = ["status", "call"]


class GrantFilter(django_filters.FilterSet):
    fiscal_year = django_filters.NumberFilter(min_value=1990, max_value=2100)

    class Meta:
        model = Grant
        fields = ["fiscal_year"]


class JapaneseDateFilter(django_filters.DateFilter):
    """A date typed in any accepted notation (「2026-04-01」「令和8年4月1日」…), as every portal form reads it."""

    field_class = JapaneseDateField


def _from_day(queryset, name, value):
    """From 0:00 of ``value`` in Japan (JST)."""
    return queryset.filter(**{f"{name}__gte": day_start(value)})


def _until_day(queryset, name, value):
    """Up to the end of ``value`` in Japan (JST): before 0:00 of the next day."""
    return queryset.filter(**{f"{name}__lt": day_start(value + datetime.timedelta(days=1))})


def day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=CALL_TIME_ZONE)


class ActivityFilterForm(forms.Form):
    """The activity log's filter form: a period that ends before it starts is contradictory, so, like an
    unreadable value, both its dates are ignored and the page says so (a non-field error, shown by
    ``templates/includes/ignored_notice.html``), naming both dates."""

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error(
                None,
                gettext(
                    "開始日（%(since)s）が終了日（%(until)s）より後です。期間の条件を無視して表示しています。"
                    "開始日には終了日と同じ日かそれより前の日付を指定してください。"
                )
                % {"since": since.isoformat(), "until": until.isoformat()},
            )
            cleaned.pop("since", None)
            cleaned.pop("until", None)
        return cleaned


class ActivityFilter(django_filters.FilterSet):
    """The activity log's filters (``regions.activity``), applied alike to every history table of the
    union: the ids are compared with the union's common columns (``act_call``, ``act_region``, …)."""

    kind = django_filters.ChoiceFilter(
        field_name="act_kind", label=_("対象の種類"), choices=ActivityKind.choices, empty_label=_("すべて")
    )
    action = django_filters.ChoiceFilter(
        field_name="act_action", label=_("操作"), choices=ActivityAction.choices, empty_label=_("すべて")
    )
    call = django_filters.ModelChoiceFilter(
        field_name="act_call",
        label=_("公募"),
        queryset=Call.objects.select_related("program").order_by("-fiscal_year", "code"),
        to_field_name="code",
        empty_label=_("すべて"),
        method="filter_by_pk",
    )
    region = django_filters.ModelChoiceFilter(
        field_name="act_region",
        label=_("地域"),
        queryset=Region.objects.only(*Region.NAME_FIELDS).order_by("name", "start_fiscal_year", "pk"),
        to_field_name="slug",
        empty_label=_("すべて"),
        method="filter_by_pk",
    )
    user = django_filters.ModelChoiceFilter(
        field_name="act_user",
        label=_("実行者"),
        queryset=User.objects.exclude(role="").order_by("username"),
        to_field_name="username",
        empty_label=_("すべて"),
        method="filter_by_pk",
    )
    since = JapaneseDateFilter(field_name="act_date", label=_("期間（開始日）"), method=_from_day)
    until = JapaneseDateFilter(field_name="act_date", label=_("期間（終了日）"), method=_until_day)

    class Meta:
        form = ActivityFilterForm

    def __init__(self, data=None, **kwargs):
        # no queryset of its own: ``narrow`` filters each table of the union
        kwargs.setdefault("queryset", Call.objects.none())
        super().__init__(data, **kwargs)
        form = self.form
        form.fields["call"].label_from_instance = call_label
        form.fields["since"].help_text = _("日本時間（例：2026-04-01）")
        form.fields["until"].help_text = _("日本時間。この日を含みます。")

    def filter_by_pk(self, queryset, name, value):
        return queryset.filter(**{name: value.pk})

    def narrow(self, queryset):
        """``queryset`` narrowed by the valid values (an invalid one is dropped, as on every GET filter form)."""
        self.is_valid()  # validate once; the same cleaned values then narrow every table
        return self.filter_queryset(queryset)
