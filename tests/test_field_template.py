"""One field template for every form (cluster_portal.forms.PortalFormRenderer, templates/includes/field.html)."""

import re

import pytest
from django import forms
from django.urls import reverse

from tests import factories
from tests.test_ministry_journey import open_call_with_budget


class SampleForm(forms.Form):
    name = forms.CharField(label="機関名", help_text="正式名称で入力します。")
    kind = forms.ChoiceField(
        label="種別", choices=[("a", "大学"), ("b", "企業")], widget=forms.RadioSelect, help_text="一つ選びます。"
    )
    agree = forms.BooleanField(label="同意する")


def test_a_field_has_its_label_required_marker_help_and_errors_tied_to_the_input():
    html = str(SampleForm(data={})["name"].as_field_group())
    assert '<label for="id_name">機関名 <span class="required">必須</span></label>' in html
    assert '<p class="field__help" id="id_name_helptext">正式名称で入力します。</p>' in html
    assert '<ul class="field__errors" id="id_name_error">' in html
    assert "このフィールドは必須です。" in html
    assert re.search(r'<input [^>]*aria-describedby="id_name_helptext id_name_error"', html)


def test_a_radio_group_is_a_fieldset_whose_legend_is_the_label():
    html = str(SampleForm(data={})["kind"].as_field_group())
    assert 'aria-describedby="id_kind_helptext id_kind_error"' in html.split(">", 1)[0]
    assert html.startswith("<fieldset")
    assert '<legend>種別 <span class="required">必須</span></legend>' in html
    assert '<label for="id_kind_0">大学</label>' in html


def test_a_single_checkbox_has_its_label_after_the_box():
    html = str(SampleForm()["agree"].as_field_group())
    assert html.index('id="id_agree"') < html.index('<label for="id_agree">同意する</label>')


def radio_group(page: str, name: str) -> str:
    """The fieldset holding the radios called ``name``, with ids and texts reduced to placeholders."""
    fieldsets = re.findall(r"<fieldset class=\"field[ \"].*?</fieldset>", page, flags=re.S)
    [found] = [fieldset for fieldset in fieldsets if f'name="{name}"' in fieldset]
    found = re.sub(r">[^<]+<", "><", re.sub(r"\s+", " ", found))
    return re.sub(r'(id|for|name|value)="[^"]*"', r'\1=""', re.sub(r"(<li>.*?</li>)+", "<li/>", found))


@pytest.mark.django_db
def test_ministry_and_workspace_radio_groups_share_one_markup(client, hq_user, ministry_user, region):
    proposal = factories.ProposalFactory(call=open_call_with_budget(), region=region, created_by=hq_user)
    client.force_login(hq_user)
    proposal_page = client.get(reverse("proposals:edit", args=[proposal.pk])).content.decode()
    report = factories.ProgressReportFactory(project=factories.ProjectFactory(region=region), submitted=True)
    client.force_login(ministry_user)
    review_page = client.get(reverse("workspace:report_review", args=[report.pk])).content.decode()
    ministry, workspace = radio_group(proposal_page, "cluster_type"), radio_group(review_page, "decision")
    assert ministry == workspace
    assert ministry.startswith('<fieldset class="field field--group"><legend><span class="required"></span></legend>')
