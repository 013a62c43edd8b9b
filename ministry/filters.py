"""The filters of the ministry's lists, declared once each with django-filter (as the public lists'
are in ``public.filters``). An invalid value is dropped, as on every GET filter form."""

import django_filters

from regions.models import Call, CallStatus, Grant, Proposal, ProposalStatus


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
