"""The staff lists' filters (django-filter FilterSets in ministry.filters and workspace.filters):
a valid value narrows the list, an invalid one is dropped instead of emptying it or failing."""

import pytest
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_ministry_call_list_filters_by_status(client, ministry_user):
    factories.CallFactory(title="受付中の公募", status="open")
    factories.CallFactory(title="締め切った公募", status="closed")
    url = reverse("ministry:call_list")
    closed = page(client, ministry_user, f"{url}?status=closed")
    assert "締め切った公募" in closed and "受付中の公募" not in closed
    everything = page(client, ministry_user, f"{url}?status=bogus")
    assert "締め切った公募" in everything and "受付中の公募" in everything


def test_ministry_proposal_list_filters_by_status_and_call(client, ministry_user):
    call, other = factories.CallFactory(code="call-a"), factories.CallFactory(code="call-b")
    factories.ProposalFactory(call=call, title="提出された構想", submitted=True)
    factories.ProposalFactory(call=other, title="別の公募の構想", submitted=True)
    url = reverse("ministry:proposal_list")
    narrowed = page(client, ministry_user, f"{url}?call=call-a&status=submitted")
    assert "提出された構想" in narrowed and "別の公募の構想" not in narrowed


def test_ministry_grant_list_filters_by_fiscal_year(client, ministry_user):
    region = factories.RegionFactory(name="年度で絞る地域")
    factories.GrantFactory(region=region, fiscal_year=2008, amount=123_456_000)
    factories.GrantFactory(region=region, fiscal_year=2009, amount=654_321_000)
    url = reverse("ministry:grant_list")
    narrowed = page(client, ministry_user, f"{url}?fiscal_year=2009")
    assert "654,321" in narrowed and "123,456" not in narrowed
    assert "123,456" in page(client, ministry_user, f"{url}?fiscal_year=abc")


def test_workspace_lists_filter_by_status_and_kind(client, hq_user, region):
    factories.ProjectFactory(region=region, title="実施中のテーマ", status="active")
    factories.ProjectFactory(region=region, title="完了したテーマ", status="completed")
    url = reverse("workspace:project_list")
    active = page(client, hq_user, f"{url}?status=active")
    assert "実施中のテーマ" in active and "完了したテーマ" not in active
    assert "完了したテーマ" in page(client, hq_user, f"{url}?status=bogus")
