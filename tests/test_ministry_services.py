"""Services of the ministry workflow: state machine, selection, envelope, content sniffing, and
concurrency (two decisions or two grants at once; PostgreSQL only, real row locks)."""

import io
import threading
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from cluster_portal.models import TransitionLog
from regions.models import AttachmentKind, Grant, Proposal, ProposalStatus, SelectionDecision
from regions.services import grants as grant_services
from regions.services import proposals as proposal_services
from regions.services import selection as selection_services
from regions.services.reviews import weighted_mean
from tests import factories
from tests.test_ministry_journey import open_call_with_budget

# --- state machine -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_illegal_transition_gets_a_japanese_error_and_changes_nothing(region, hq_user):
    call = open_call_with_budget()
    proposal = factories.ProposalFactory(call=call, region=region, submitted=True)
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        proposal_services.proposal_submit(user=hq_user, proposal=proposal)
    assert "「提出済み」から「提出済み」へは変更できません。" in excinfo.value.messages[0]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED and proposal.submitted_at is None
    assert not TransitionLog.for_object(proposal).exists()


@pytest.mark.django_db
def test_decision_on_a_proposal_not_under_review_is_illegal(ministry_user, region):
    proposal = factories.ProposalFactory(region=region, submitted=True)
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        selection_services.proposal_decide(user=ministry_user, proposal=proposal, decision="selected", reason="理由")
    assert "「提出済み」から「採択」へは変更できません。" in excinfo.value.messages[0]
    assert not SelectionDecision.objects.exists()


@pytest.mark.django_db
def test_only_ministry_staff_can_decide_in_the_service(hq_user, region):
    proposal = factories.ProposalFactory(region=region, under_review=True)
    with pytest.raises(PermissionDenied):
        selection_services.proposal_decide(user=hq_user, proposal=proposal, decision="selected", reason="理由")


@pytest.mark.django_db
def test_second_decision_is_refused_with_a_clear_message(ministry_user, region):
    call = open_call_with_budget()
    proposal = factories.ProposalFactory(call=call, region=region, under_review=True)
    selection_services.proposal_decide(user=ministry_user, proposal=proposal, decision="not_selected", reason="理由")
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        selection_services.proposal_decide(user=ministry_user, proposal=proposal, decision="selected", reason="理由")
    assert excinfo.value.code == "already_decided"
    assert "この提案書は既に他の担当者が決定しています" in excinfo.value.messages[0]
    assert SelectionDecision.objects.get().decision == "not_selected"


@pytest.mark.django_db
def test_selection_of_a_region_whose_earlier_phase_ended_reactivates_it(ministry_user, region):
    region.status = "completed"
    region.save()
    call = open_call_with_budget()
    proposal = factories.ProposalFactory(call=call, region=region, under_review=True)
    factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2030, requested_amount=1_000)
    selection_services.proposal_decide(user=ministry_user, proposal=proposal, decision="selected", reason="次期採択")
    region.refresh_from_db()
    assert region.status == "active" and region.is_published
    assert (region.start_fiscal_year, region.end_fiscal_year) == (2030, 2030)


# --- envelope ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_grants_never_exceed_the_envelope_sequentially(ministry_user):
    call = open_call_with_budget(envelope=1_000)
    regions = [factories.selected_region(call) for _ in range(4)]
    saved = []
    for region in regions:
        try:
            saved.append(
                grant_services.grant_create(user=ministry_user, region=region, call=call, fiscal_year=2030, amount=300)
            )
        except ValidationError as error:
            assert error.message_dict["amount"][0].startswith("2030年度の予算枠を超えます")
    assert len(saved) == 3
    assert sum(Grant.objects.filter(call=call, fiscal_year=2030).values_list("amount", flat=True)) == 900


@pytest.mark.django_db
def test_envelope_rows_report_envelope_granted_and_remaining(ministry_user, region):
    call = open_call_with_budget(envelope=1_000)
    factories.selected_region(call, region)
    grant_services.grant_create(user=ministry_user, region=region, call=call, fiscal_year=2031, amount=400)
    rows = {row.fiscal_year: row for row in grant_services.envelope_rows(calls=[call])}
    assert (rows[2031].envelope, rows[2031].granted, rows[2031].remaining) == (1_000, 400, 600)
    assert rows[2030].granted == 0


# --- content sniffing and weighted means ---------------------------------------------------------


def _zip(entry):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(entry, "x")
    return buffer


@pytest.mark.parametrize(
    "head, stream, expected",
    [
        (b"%PDF-1.7", None, AttachmentKind.PDF),
        (b"PK\x03\x04", _zip("word/document.xml"), AttachmentKind.DOCX),
        (b"PK\x03\x04", _zip("xl/workbook.xml"), AttachmentKind.XLSX),
        (b"PK\x03\x04", _zip("ppt/slide1.xml"), None),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, proposal_services.OLE2),
        (b"\x89PNG\r\n\x1a\n", None, None),
    ],
)
def test_attachment_kind_is_read_from_content(head, stream, expected):
    assert proposal_services.sniff_attachment_kind(head, stream) == expected


def test_weighted_mean_uses_criterion_weights():
    class Row:
        def __init__(self, criterion_id, score):
            self.criterion_id, self.score = criterion_id, score

    class Criterion:
        def __init__(self, weight):
            self.weight = weight

    criteria = {1: Criterion(2), 2: Criterion(1)}
    assert weighted_mean([Row(1, 5), Row(2, 2)], criteria) == pytest.approx(4.0)
    assert weighted_mean([], criteria) is None


# --- concurrency (PostgreSQL) --------------------------------------------------------------------


def run_at_once(*functions):
    """Run the functions in threads released together; return each one's result or error message."""
    barrier = threading.Barrier(len(functions))
    results = [None] * len(functions)

    def runner(index, function):
        try:
            barrier.wait()
            function()
            results[index] = "ok"
        except ValidationError as error:
            results[index] = error.messages[0]
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_decisions_record_exactly_one():
    call = open_call_with_budget()
    proposal = factories.ProposalFactory(call=call, under_review=True)
    factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2030, requested_amount=1_000)
    first, second = (factories.UserFactory(ministry=True) for _ in range(2))

    def decide(user, decision):
        return lambda: selection_services.proposal_decide(
            user=user, proposal=Proposal(pk=proposal.pk), decision=decision, reason="同時に決定"
        )

    with translation.override("ja"):
        results = run_at_once(decide(first, "selected"), decide(second, "not_selected"))
    assert sorted(results, key=lambda r: r != "ok")[0] == "ok"
    assert results.count("ok") == 1
    loser = next(result for result in results if result != "ok")
    assert "この提案書は既に他の担当者が決定しています" in loser
    assert SelectionDecision.objects.filter(proposal=proposal).count() == 1
    decision = SelectionDecision.objects.get(proposal=proposal)
    proposal.refresh_from_db()
    assert proposal.status == decision.decision
    assert Grant.objects.filter(region=proposal.region).count() == (1 if decision.decision == "selected" else 0)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_grants_never_exceed_the_envelope():
    call = open_call_with_budget(envelope=1_000)
    ministry = factories.UserFactory(ministry=True)
    regions = [factories.selected_region(call) for _ in range(2)]

    def grant(region):
        return lambda: grant_services.grant_create(
            user=ministry, region=region, call=call, fiscal_year=2030, amount=600
        )

    with translation.override("ja"):
        results = run_at_once(*(grant(region) for region in regions))
    assert results.count("ok") == 1
    assert Grant.objects.filter(call=call, fiscal_year=2030).count() == 1
    assert sum(Grant.objects.filter(call=call, fiscal_year=2030).values_list("amount", flat=True)) == 600


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_selections_never_exceed_the_envelope():
    call = open_call_with_budget(envelope=1_000)
    ministry = factories.UserFactory(ministry=True)
    proposals = []
    for _ in range(2):
        proposal = factories.ProposalFactory(call=call, under_review=True)
        factories.ProposalBudgetLineFactory(proposal=proposal, fiscal_year=2030, requested_amount=600)
        proposals.append(proposal)

    def select(proposal):
        return lambda: selection_services.proposal_decide(
            user=ministry, proposal=Proposal(pk=proposal.pk), decision="selected", reason="採択"
        )

    with translation.override("ja"):
        results = run_at_once(*(select(proposal) for proposal in proposals))
    assert results.count("ok") == 1
    assert sum(Grant.objects.filter(call=call, fiscal_year=2030).values_list("amount", flat=True)) == 600
    assert SelectionDecision.objects.count() == 1  # the refused selection rolled back entirely
