"""The filters of the headquarters workspace's lists, declared once each with django-filter (as
the public lists' are in ``public.filters``). An invalid value is dropped, as on every GET form."""

import django_filters

from projects.models import JointResearchProject, Outcome, OutcomeKind, ProgressReport, ProjectStatus, ReportStatus


class ProjectFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)

    class Meta:
        model = JointResearchProject
        fields = ["status"]


class ReportFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices)

    class Meta:
        model = ProgressReport
        fields = ["status"]


class OutcomeFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=OutcomeKind.choices)

    class Meta:
        model = Outcome
        fields = ["kind"]
