"""The coordinator-activity form's organisation picker (issue 15, part 8): a search box that narrows
the multi-select on the server, without JavaScript, keeping the organisations already selected."""

import re

import pytest
from django.urls import reverse

from coordinators.models import CoordinationActivity
from tests import factories
from tests.form_helpers import opened

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(region):
    return factories.CoordinatorFactory(region=region)


@pytest.fixture
def organizations(db):
    many = [factories.OrganizationFactory(name=f"一般機関{number:03d}") for number in range(40)]
    hamamatsu = factories.OrganizationFactory(name="浜松光技術大学")
    company = factories.OrganizationFactory(name="浜松フォトニクス工業", company=True)
    shizuoka = factories.OrganizationFactory(name="静岡県工業技術研究所")
    return {"many": many, "hamamatsu": hamamatsu, "company": company, "shizuoka": shizuoka}


def options(html: str) -> dict[str, bool]:
    """The organisation options of the page: name → selected."""
    select = re.search(r'<select name="organizations".*?</select>', html, re.S).group(0)
    found = re.findall(r"<option value=\"\d+\"( selected)?>([^<（]+)", select)
    return {name.strip(): bool(selected) for selected, name in found}


def test_a_search_on_the_form_page_lists_only_the_matching_organisations(client, hq_user, coordinator, organizations):
    client.force_login(hq_user)
    url = reverse("workspace:activity_create", args=[coordinator.pk])

    everything = options(client.get(url).content.decode())
    narrowed_page = client.get(url, {"org_q": "浜松"}).content.decode()

    assert len(everything) >= 43
    assert set(options(narrowed_page)) == {"浜松光技術大学", "浜松フォトニクス工業"}
    assert "「浜松」で絞り込み" in narrowed_page and "2機関（選択中の機関を含む）" in narrowed_page
    assert 'value="浜松"' in narrowed_page  # the search box keeps the query


def test_narrowing_keeps_what_was_typed_and_selected_and_saves_nothing(client, hq_user, coordinator, organizations):
    client.force_login(hq_user)
    url = reverse("workspace:activity_create", args=[coordinator.pk])
    typed = {"held_on": "令和2年4月1日", "title": "面談の途中", "result": "continued"}
    selected = [organizations["shizuoka"].pk]

    response = client.post(url, opened(typed, organizations=selected, org_q="浜松", narrow="1"))

    html = response.content.decode()
    assert response.status_code == 200
    assert options(html) == {"浜松光技術大学": False, "浜松フォトニクス工業": False, "静岡県工業技術研究所": True}
    assert 'value="面談の途中"' in html and 'value="令和2年4月1日"' in html
    assert "errorlist" not in html  # not a refused save: nothing was checked yet
    assert not CoordinationActivity.objects.filter(title="面談の途中").exists()


def test_organisations_chosen_from_a_narrowed_list_are_saved_with_those_chosen_before(
    client, hq_user, coordinator, organizations
):
    client.force_login(hq_user)
    url = reverse("workspace:activity_create", args=[coordinator.pk])
    chosen = [organizations["shizuoka"].pk, organizations["company"].pk]
    data = {"held_on": "2008-09-01", "title": "面談", "result": "continued", "org_q": "浜松"}

    response = client.post(url, opened(data, organizations=chosen))

    assert response.status_code == 302
    activity = CoordinationActivity.objects.get(title="面談")
    names = set(activity.organizations.values_list("name", flat=True))
    assert names == {"静岡県工業技術研究所", "浜松フォトニクス工業"}


def test_the_edit_form_keeps_the_activitys_organisations_in_a_narrowed_list(
    client, hq_user, coordinator, organizations
):
    activity = factories.CoordinationActivityFactory(coordinator=coordinator)
    activity.organizations.add(organizations["shizuoka"])
    client.force_login(hq_user)

    url = reverse("workspace:activity_edit", args=[activity.pk])
    html = client.get(url, {"org_q": "フォトニクス"}).content.decode()

    assert options(html) == {"浜松フォトニクス工業": False, "静岡県工業技術研究所": True}


def test_a_search_for_markup_is_plain_text(client, hq_user, coordinator, organizations):
    client.force_login(hq_user)
    payload = '"><script>alert(1)</script>'
    html = client.get(reverse("workspace:activity_create", args=[coordinator.pk]), {"org_q": payload}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert options(html) == {}
