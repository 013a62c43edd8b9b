"""重点支援 evaluations drive support: the support decision's rules, its confirmation into grant
amendments (all or nothing, within the envelope), and where it shows (ministry, public, funding flow)."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from cluster_portal.concurrency import StaleEdit
from regions.models import Grant, GrantAmendment, Recommendation, SupportDecision, SupportStatus
from regions.services import grants as grant_services
from regions.services import support as support_services
from tests import factories
from tests.form_helpers import opened
from tests.test_ministry_journey import open_call_with_budget

GRANT = 300_000_000


@pytest.fixture
def funded(ministry_user):
    """A published region selected on a call with envelopes FY2030–2034 of 1,000,000,000 yen, granted
    300,000,000 yen in FY2030–2032, and its 重点支援 interim evaluation of FY2030."""
    call = open_call_with_budget(envelope=1_000_000_000)
    region = factories.selected_region(call, is_published=True)
    for year in (2030, 2031, 2032):
        grant_services.grant_create(user=ministry_user, region=region, call=call, fiscal_year=year, amount=GRANT)
    evaluation = factories.EvaluationFactory(
        region=region, fiscal_year=2030, grade="S", recommendation=Recommendation.FOCUS
    )
    return {"call": call, "region": region, "evaluation": evaluation}


def _save(user, evaluation, **overrides):
    data = {"start_fiscal_year": 2031, "end_fiscal_year": 2032, "annual_amount": 100_000_000, "reason": "世界水準"}
    data.update(overrides)
    return support_services.support_decision_save(user=user, evaluation=evaluation, **data)


def _amounts(region):
    return dict(Grant.objects.filter(region=region).values_list("fiscal_year", "amount"))


# --- rules ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_support_decision_is_refused_for_an_evaluation_without_focused_support(ministry_user, funded):
    evaluation = funded["evaluation"]
    evaluation.recommendation = Recommendation.CONTINUE
    evaluation.save()
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        _save(ministry_user, evaluation)
    assert "「重点支援」の評価にだけ記録できます" in excinfo.value.message_dict["evaluation"][0]
    assert not SupportDecision.objects.exists()


@pytest.mark.django_db
def test_years_without_a_grant_are_refused_naming_the_allowed_years(ministry_user, funded):
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        _save(ministry_user, funded["evaluation"], end_fiscal_year=2034)
    message = excinfo.value.message_dict["end_fiscal_year"][0]
    assert "2033年度" in message and "2030年度（令和12年度）〜2032年度（令和14年度）" in message
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        _save(ministry_user, funded["evaluation"], start_fiscal_year=2029, end_fiscal_year=2030)
    assert "評価の年度（2030年度" in excinfo.value.message_dict["start_fiscal_year"][0]
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        _save(ministry_user, funded["evaluation"], start_fiscal_year=2032, end_fiscal_year=2031)
    assert "終了年度は開始年度" in excinfo.value.message_dict["end_fiscal_year"][0]
    assert not SupportDecision.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", [0, -1, 10**13 + 1])
def test_amount_must_be_positive_yen_within_the_ceiling(ministry_user, funded, amount):
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        _save(ministry_user, funded["evaluation"], annual_amount=amount)
    assert "10兆円" in " ".join(excinfo.value.message_dict["annual_amount"])
    assert not SupportDecision.objects.exists()


@pytest.mark.django_db
def test_only_ministry_staff_record_or_confirm(hq_user, ministry_user, funded):
    with pytest.raises(PermissionDenied):
        _save(hq_user, funded["evaluation"])
    decision = _save(ministry_user, funded["evaluation"])
    with pytest.raises(PermissionDenied):
        support_services.support_decision_confirm(user=hq_user, decision=decision)
    assert not GrantAmendment.objects.exists()


@pytest.mark.django_db
def test_grade_c_with_focused_support_is_still_refused():
    evaluation = factories.EvaluationFactory.build(grade="C", recommendation=Recommendation.FOCUS)
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        evaluation.clean()
    assert "重点支援" in excinfo.value.message_dict["recommendation"][0]


# --- confirmation --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_confirming_amends_each_year_grant_and_becomes_read_only(ministry_user, funded):
    decision = _save(ministry_user, funded["evaluation"])
    support_services.support_decision_confirm(user=ministry_user, decision=decision, expected_version=decision.version)
    assert _amounts(funded["region"]) == {2030: GRANT, 2031: GRANT + 100_000_000, 2032: GRANT + 100_000_000}
    amendments = GrantAmendment.objects.filter(support_decision=decision).order_by("grant__fiscal_year")
    assert [(a.grant.fiscal_year, a.previous_amount, a.new_amount) for a in amendments] == [
        (2031, GRANT, GRANT + 100_000_000),
        (2032, GRANT, GRANT + 100_000_000),
    ]
    assert "重点支援による追加交付" in amendments[0].reason
    decision.refresh_from_db()
    assert decision.status == SupportStatus.CONFIRMED and decision.confirmed_by == ministry_user
    assert decision.confirmed_at is not None and decision.total_amount == 200_000_000
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        _save(ministry_user, funded["evaluation"], annual_amount=1, expected_version=decision.version)
    assert "既に確定しています" in excinfo.value.messages[0]


@pytest.mark.django_db
def test_double_confirm_is_refused_and_amends_only_once(ministry_user, funded):
    decision = _save(ministry_user, funded["evaluation"])
    support_services.support_decision_confirm(user=ministry_user, decision=decision)
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        support_services.support_decision_confirm(user=ministry_user, decision=decision)
    assert excinfo.value.code == "already_confirmed"
    assert GrantAmendment.objects.count() == 2
    assert _amounts(funded["region"])[2031] == GRANT + 100_000_000


@pytest.mark.django_db
def test_envelope_overrun_in_one_year_refuses_everything_naming_year_and_remaining(ministry_user, funded):
    other = factories.selected_region(funded["call"])
    grant_services.grant_create(
        user=ministry_user, region=other, call=funded["call"], fiscal_year=2032, amount=650_000_000
    )
    decision = _save(ministry_user, funded["evaluation"])  # 2032: 1,000 − 300 − 650 = 50 million left < 100
    with translation.override("ja"), pytest.raises(ValidationError) as excinfo:
        support_services.support_decision_confirm(user=ministry_user, decision=decision)
    message = excinfo.value.message_dict["annual_amount"][0]
    assert "2032年度" in message and "残り 50,000,000円" in message
    assert not GrantAmendment.objects.exists()
    assert _amounts(funded["region"]) == {2030: GRANT, 2031: GRANT, 2032: GRANT}
    decision.refresh_from_db()
    assert decision.status == SupportStatus.DRAFT


@pytest.mark.django_db
def test_confirming_a_draft_edited_since_the_summary_is_stale(ministry_user, funded):
    decision = _save(ministry_user, funded["evaluation"])
    shown = decision.version
    _save(ministry_user, funded["evaluation"], annual_amount=50_000_000, expected_version=shown)
    with pytest.raises(StaleEdit):
        support_services.support_decision_confirm(user=ministry_user, decision=decision, expected_version=shown)
    assert not GrantAmendment.objects.exists()


# --- ministry pages ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_officer_records_reviews_and_confirms_a_support_decision_on_the_pages(client, ministry_user, funded):
    evaluation, region = funded["evaluation"], funded["region"]
    client.force_login(ministry_user)
    assert (
        reverse("ministry:support_decision", args=[evaluation.pk])
        in client.get(reverse("ministry:evaluation_edit", args=[evaluation.pk])).content.decode()
    )
    edit_url = reverse("ministry:support_edit", args=[evaluation.pk])
    form = client.get(edit_url).content.decode()
    assert "追加交付額（各年度、円）" in form and "重点支援の理由（文部科学省内の記録）" in form

    bad = client.post(
        edit_url,
        opened({"start_fiscal_year": "2031", "end_fiscal_year": "2035", "annual_amount": "1億", "reason": "世界水準"}),
    )
    assert bad.status_code == 400 and "円単位" in bad.content.decode()
    bad = client.post(
        edit_url,
        opened({"start_fiscal_year": "2031", "end_fiscal_year": "2035", "annual_amount": "100,000,000", "reason": "x"}),
    )
    assert (
        bad.status_code == 400
        and "指定できる年度：2030年度（令和12年度）〜2032年度（令和14年度）" in bad.content.decode()
    )
    assert not SupportDecision.objects.exists()

    saved = client.post(
        edit_url,
        opened(
            {
                "start_fiscal_year": "R13",
                "end_fiscal_year": "2032",
                "annual_amount": "100,000,000",
                "reason": "世界水準",
            }
        ),
    )
    summary_url = reverse("ministry:support_decision", args=[evaluation.pk])
    assert saved.status_code == 302 and saved["Location"] == summary_url
    assert _amounts(region)[2031] == GRANT  # a draft changes no grant
    summary = client.get(summary_url).content.decode()
    assert "確定すると変更される交付決定" in summary and "400,000" in summary  # 300 + 100 million, in 千円

    decision = SupportDecision.objects.get()
    data = opened(obj=decision)
    confirmed = client.post(reverse("ministry:support_confirm", args=[evaluation.pk]), data)
    assert confirmed.status_code == 302
    assert _amounts(region) == {2030: GRANT, 2031: GRANT + 100_000_000, 2032: GRANT + 100_000_000}
    again = client.post(reverse("ministry:support_confirm", args=[evaluation.pk]), data)  # the same click twice
    assert again.status_code == 302 and GrantAmendment.objects.count() == 2
    assert client.get(edit_url).status_code == 302  # a confirmed decision is read-only

    grant = Grant.objects.get(region=region, fiscal_year=2031)
    history = client.get(reverse("ministry:grant_detail", args=[grant.pk])).content.decode()
    assert "重点支援による追加交付" in history


@pytest.mark.django_db
def test_refused_confirmation_shows_the_year_and_the_envelope_left(client, ministry_user, funded):
    other = factories.selected_region(funded["call"])
    grant_services.grant_create(
        user=ministry_user, region=other, call=funded["call"], fiscal_year=2032, amount=650_000_000
    )
    decision = _save(ministry_user, funded["evaluation"])
    client.force_login(ministry_user)
    response = client.post(reverse("ministry:support_confirm", args=[funded["evaluation"].pk]), opened(obj=decision))
    page = response.content.decode()
    assert response.status_code == 400 and "2032年度" in page and "残り 50,000,000円" in page
    assert not GrantAmendment.objects.exists()


@pytest.mark.django_db
def test_confirmed_support_shows_on_the_public_cluster_page_and_in_the_funding_flow(client, ministry_user, funded):
    region = funded["region"]
    decision = _save(ministry_user, funded["evaluation"])
    page = client.get(region.get_absolute_url()).content.decode()
    assert "重点支援による追加交付" not in page  # a draft is not public
    support_services.support_decision_confirm(user=ministry_user, decision=decision)
    page = client.get(region.get_absolute_url()).content.decode()
    assert "重点支援による追加交付" in page and "100,000" in page and "200,000" in page
    response = client.get("/funding/", {"start": "2030", "end": "2032"})
    flow = response.context["flow"]
    assert flow.granted == 3 * GRANT + 200_000_000 and flow.granted_by_focused_support == 200_000_000
    assert 'id="flow-focused-support"' in response.content.decode()
    one_year = client.get("/funding/", {"start": "2031", "end": "2031"}).context["flow"]
    assert one_year.granted_by_focused_support == 100_000_000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_confirmations_never_exceed_the_envelope():
    """Two regions' support decisions each fit what is left of FY2031's envelope, not both together."""
    from tests.test_ministry_services import run_at_once

    ministry_user = factories.UserFactory(ministry=True)
    call = open_call_with_budget(envelope=1_000_000_000)
    decisions = []
    for _ in range(2):
        region = factories.selected_region(call)
        grant_services.grant_create(user=ministry_user, region=region, call=call, fiscal_year=2031, amount=GRANT)
        evaluation = factories.EvaluationFactory(region=region, fiscal_year=2030, recommendation=Recommendation.FOCUS)
        decisions.append(_save(ministry_user, evaluation, end_fiscal_year=2031, annual_amount=300_000_000))

    def confirm(decision):
        return lambda: support_services.support_decision_confirm(
            user=ministry_user, decision=SupportDecision(pk=decision.pk)
        )

    with translation.override("ja"):
        results = run_at_once(confirm(decisions[0]), confirm(decisions[1]), confirm(decisions[0]))
    assert results.count("ok") == 1
    assert sum(Grant.objects.filter(call=call, fiscal_year=2031).values_list("amount", flat=True)) == 900_000_000
    assert GrantAmendment.objects.count() == 1
    assert SupportDecision.objects.filter(status=SupportStatus.CONFIRMED).count() == 1


@pytest.mark.django_db
def test_two_tabs_never_overwrite_each_others_draft(client, ministry_user, funded):
    evaluation = funded["evaluation"]
    client.force_login(ministry_user)
    edit_url = reverse("ministry:support_edit", args=[evaluation.pk])
    data = {"start_fiscal_year": "2031", "end_fiscal_year": "2032", "annual_amount": "100,000,000", "reason": "A"}
    assert client.post(edit_url, opened(data)).status_code == 302
    second = client.post(edit_url, opened({**data, "annual_amount": "5,000,000", "reason": "B"}))  # opened earlier
    assert second.status_code == 409
    assert SupportDecision.objects.get().annual_amount == 100_000_000
