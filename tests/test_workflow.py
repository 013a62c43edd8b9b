import pytest
from django.utils import translation

from cluster_portal.models import TransitionLog
from cluster_portal.workflow import IllegalTransition
from projects.models import ProgressReport, ReportStatus
from regions.models import Proposal, ProposalStatus
from tests import factories

pytestmark = pytest.mark.django_db


def test_legal_transition_changes_state_and_records_who_when_why():
    proposal = factories.ProposalFactory()
    hq = factories.UserFactory(hq=True, headquarters=factories.HeadquartersFactory(region=proposal.region))
    Proposal.workflow.apply(proposal, ProposalStatus.SUBMITTED, user=hq, reason="提出します")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED
    (log,) = TransitionLog.for_object(proposal)
    assert (log.source_state, log.target_state, log.actor, log.reason) == ("draft", "submitted", hq, "提出します")


def test_illegal_transition_raises_a_japanese_error_and_changes_nothing():
    proposal = factories.ProposalFactory()
    ministry = factories.UserFactory(ministry=True)
    with translation.override("ja"), pytest.raises(IllegalTransition) as excinfo:
        Proposal.workflow.apply(proposal, ProposalStatus.SELECTED, user=ministry, reason="理由")
    assert "「下書き」から「採択」へは変更できません" in excinfo.value.messages[0]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.DRAFT
    assert not TransitionLog.for_object(proposal).exists()


def test_transition_checks_the_acting_users_role():
    report = factories.ProgressReportFactory(submitted=True)
    hq = factories.UserFactory(hq=True, headquarters=factories.HeadquartersFactory(region=report.project.region))
    with pytest.raises(IllegalTransition):
        ProgressReport.workflow.apply(report, ReportStatus.ACCEPTED, user=hq)
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_returning_a_report_needs_a_comment():
    report = factories.ProgressReportFactory(submitted=True)
    ministry = factories.UserFactory(ministry=True)
    with pytest.raises(IllegalTransition):
        ProgressReport.workflow.apply(report, ReportStatus.RETURNED, user=ministry, reason="  ")
    ProgressReport.workflow.apply(report, ReportStatus.RETURNED, user=ministry, reason="図表を追加してください")
    assert ProgressReport.objects.get(pk=report.pk).status == ReportStatus.RETURNED
